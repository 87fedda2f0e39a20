import RampartDetection
import RampartGateway

/// What one lab run simulates.
public struct LabOptions: Sendable {
    public var scenario: Scenario
    /// Derives the fleet's keys, the targets, losses, reboots: the same seed, the same run
    /// (up to the handshakes' random ephemerals, which change bytes, not behaviour).
    public var seed: UInt64
    public var devices: Int
    public var durationSeconds: Double
    /// When the (first) attack begins, and how long each lasts.
    public var attackStartSeconds: Double
    public var attackSeconds: Double
    /// Datagrams lost at random on each leg.
    public var lossProbability: Double
    /// Mean time between a device's reboots (each comes back on a new port after 5 s).
    public var meanSecondsBetweenReboots: Double
    /// Mean time between a device's network outages (its address unreachable both ways for
    /// 30 s to 10 min; the device keeps running). Attacked devices have none.
    public var meanSecondsBetweenOutages: Double
    /// nil: no detector (the gateway alone, for comparison).
    public var detection: DetectionConfiguration?
    public var model: DetectionModel?
    /// Sample every device's features this often (for training); 0 for none.
    public var featureSampleSeconds: Double

    public init(scenario: Scenario, seed: UInt64 = 1, devices: Int = 40, durationSeconds: Double = 900,
                attackStartSeconds: Double = 300, attackSeconds: Double = 300, lossProbability: Double = 0.002,
                meanSecondsBetweenReboots: Double = 12 * 3600, meanSecondsBetweenOutages: Double = 6 * 3600,
                detection: DetectionConfiguration? = DetectionConfiguration(),
                model: DetectionModel? = nil, featureSampleSeconds: Double = 0) {
        self.scenario = scenario
        self.seed = seed
        self.devices = devices
        self.durationSeconds = durationSeconds
        self.attackStartSeconds = attackStartSeconds
        self.attackSeconds = attackSeconds
        self.lossProbability = lossProbability
        self.meanSecondsBetweenReboots = meanSecondsBetweenReboots
        self.meanSecondsBetweenOutages = meanSecondsBetweenOutages
        self.detection = detection
        self.model = model
        self.featureSampleSeconds = featureSampleSeconds
    }

    /// Checks what a user can get wrong, with what to write instead.
    public func validate() throws(LabError) {
        guard devices >= 4, devices <= 10_000 else { throw .invalidOption("--devices must be between 4 and 10000") }
        guard durationSeconds > 0, durationSeconds.isFinite, durationSeconds <= 7 * 86_400 else {
            throw .invalidOption("--duration must be a positive number of seconds (at most a week)")
        }
        guard attackStartSeconds >= 0, attackSeconds > 0 else {
            throw .invalidOption("--attack-start must be 0 or more and --attack-duration positive")
        }
        if !scenario.attacks.isEmpty, attackStartSeconds >= durationSeconds {
            throw .invalidOption("the attack starts at \(Int(attackStartSeconds)) s, after the run ends (\(Int(durationSeconds)) s)")
        }
        guard (0..<0.5).contains(lossProbability) else { throw .invalidOption("--loss must be in [0, 0.5)") }
        guard meanSecondsBetweenReboots > 0 else { throw .invalidOption("the mean time between reboots must be positive") }
        guard meanSecondsBetweenOutages > 0 else { throw .invalidOption("the mean time between outages must be positive") }
        if let problems = detection?.problems(), !problems.isEmpty {
            throw .invalidOption(problems.joined(separator: "; "))
        }
    }
}

public enum LabError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case setup(String)

    public var description: String {
        switch self {
        case .invalidOption(let why): why
        case .setup(let why): "the lab could not start: \(why)"
        }
    }
}

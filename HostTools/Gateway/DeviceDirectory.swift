/// What the gateway knows of a registered device, and the registry it asks.
///
/// The embedded default is SQLite (`RampartRegistry.SQLiteDeviceRegistry`); tests and
/// benchmarks use `InMemoryDeviceDirectory`.

/// A registered device's state. Only `active` devices complete a handshake.
public enum DeviceStatus: String, Sendable, Codable, CaseIterable {
    case active
    /// EDHOC from this kid is answered with an EDHOC error until it is released.
    case quarantined
    /// The registration is withdrawn for good (a blacklisted credential).
    case revoked
}

/// Per-device policy, sent to the device at provisioning and applied by the gateway.
public struct DevicePolicy: Sendable, Equatable, Codable {
    /// The behaviour group the device belongs to (baselines and thresholds per group).
    public var group: String
    /// Scheduled full re-key (a new EDHOC run) after this many seconds of a session.
    public var rekeyIntervalSeconds: Int
    /// How often the device sends telemetry.
    public var telemetryIntervalSeconds: Int

    public init(group: String = "default", rekeyIntervalSeconds: Int = 3600, telemetryIntervalSeconds: Int = 10) {
        self.group = group
        self.rekeyIntervalSeconds = rekeyIntervalSeconds
        self.telemetryIntervalSeconds = telemetryIntervalSeconds
    }

    public static let `default` = DevicePolicy()
}

/// One registry row.
public struct DeviceRecord: Sendable, Equatable {
    /// The kid of the device's credential (ID_CRED_I = { 4 : kid }); the registry key.
    public var kid: [UInt8]
    /// CRED_I: the device's CCS, exactly as it enters the EDHOC transcript.
    public var credential: [UInt8]
    /// The cipher suites the device may use (its credential's suite).
    public var suites: [Int32]
    public var policy: DevicePolicy
    public var status: DeviceStatus
    /// A human label (serial number, location); never used for security decisions.
    public var label: String

    public init(kid: [UInt8], credential: [UInt8], suites: [Int32], policy: DevicePolicy = .default,
                status: DeviceStatus = .active, label: String = "") {
        self.kid = kid
        self.credential = credential
        self.suites = suites
        self.policy = policy
        self.status = status
        self.label = label
    }
}

/// The registry as the gateway's hot path sees it. Implementations are thread-safe and
/// answer `device(kid:)` from memory in the common case (it runs once per message_3).
public protocol DeviceDirectory: Sendable {
    /// The record for `kid`, or nil if no device has it. Never a cached "absent": a device
    /// added by another process (`rampart devices add`) is found on its first handshake.
    func device(kid: [UInt8]) throws -> DeviceRecord?
    /// Sets a device's status; returns false if it already had it (actions are idempotent).
    /// Throws `DeviceDirectoryError.unknownDevice` if no device has `kid`.
    func setStatus(_ status: DeviceStatus, kid: [UInt8], reason: String) throws -> Bool
}

public enum DeviceDirectoryError: Error, Equatable, CustomStringConvertible {
    case unknownDevice(kid: [UInt8])
    case duplicateDevice(kid: [UInt8])
    case invalidRecord(String)
    case storage(String)

    public var description: String {
        switch self {
        case .unknownDevice(let kid): "no device with kid \(kid.hexString) is registered (list them: rampart devices list)"
        case .duplicateDevice(let kid): "a device with kid \(kid.hexString) is already registered"
        case .invalidRecord(let why): "invalid device record: \(why)"
        case .storage(let why): "device registry: \(why)"
        }
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex, for kids and credentials in messages and JSON (never for secrets).
    public var hexString: String {
        let digits = [Character]("0123456789abcdef")
        var out = ""
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// Parses hex (either case, even length); nil otherwise.
    public init?(hexString: String) {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for scalar in hexString.unicodeScalars {
            guard let nibble = UInt8(String(scalar), radix: 16) else { return nil }
            if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        guard high == nil else { return nil }
        self = bytes
    }
}

/// A registry that can take new devices (the SQLite registry, the in-memory one): used by
/// `rampart devices add`, provisioning and the simulator's fleet registration.
public protocol DeviceRegistrar: DeviceDirectory {
    /// Adds a device; throws `DeviceDirectoryError.duplicateDevice` if its kid is taken.
    func add(_ device: DeviceRecord) throws
}

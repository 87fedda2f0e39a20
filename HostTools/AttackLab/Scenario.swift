/// The attack classes of the lab (issue 7, docs/detection.md §6), each with the ground
/// truth a run records: who is attacked, from where, from when to when.
public enum AttackClass: String, CaseIterable, Codable, Sendable, Comparable {
    case replayMessage1 = "replay-message-1"
    case replayMessage3 = "replay-message-3"
    case replayOSCORE = "replay-oscore"
    case mitmRelay = "mitm-relay"
    case impersonation
    case stolenKey = "stolen-key"
    case clone
    case handshakeFlood = "handshake-flood"
    case lowAndSlow = "low-and-slow"
    case telemetrySpoofing = "telemetry-spoofing"

    /// Low-and-slow attacks are judged on the slower time-to-detect target (60 s, not 2 s).
    public var isLowAndSlow: Bool { self == .lowAndSlow }

    public var summary: String {
        switch self {
        case .replayMessage1: "an eavesdropper replays a device's recorded message_1 from its own address"
        case .replayMessage3: "an eavesdropper replays a device's message_3 from an earlier session"
        case .replayOSCORE: "an eavesdropper replays a device's OSCORE requests"
        case .mitmRelay: "a relay takes over a device's path and alters its OSCORE requests in transit"
        case .impersonation: "an attacker claims a device's kid with a key of its own"
        case .stolenKey: "a stolen device's key, revoked by the operator, is used again"
        case .clone: "a clone with a copy of a device's key runs from another address"
        case .handshakeFlood: "one source floods the gateway with message_1"
        case .lowAndSlow: "forged requests under a device's kid, one every 10 s"
        case .telemetrySpoofing: "a compromised device reports implausible readings"
        }
    }

    public static func < (a: AttackClass, b: AttackClass) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A named scenario: clean traffic, one attack class, or a mix.
public struct Scenario: Sendable, Equatable {
    public let name: String
    public let attacks: [AttackClass]

    public static let clean = Scenario(name: "clean", attacks: [])
    public static let mixed = Scenario(name: "mixed", attacks: [.impersonation, .handshakeFlood, .telemetrySpoofing, .clone])

    public static var all: [Scenario] {
        [clean] + AttackClass.allCases.map { Scenario(name: $0.rawValue, attacks: [$0]) } + [mixed]
    }

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }

    public var summary: String {
        switch name {
        case "clean": "no attack: the fleet's normal traffic (training, false positives)"
        case "mixed": "four attacks at once on different devices: " + attacks.map(\.rawValue).joined(separator: ", ")
        default: attacks.first?.summary ?? name
        }
    }
}

/// The ground truth of one attack in a run.
public struct AttackLabel: Sendable, Codable, Equatable {
    public let attack: AttackClass
    /// The device attacked (hex kid).
    public let target: String
    /// The attacker's addresses as the gateway sees them.
    public let sources: [String]
    public let start: Double
    public let end: Double
}

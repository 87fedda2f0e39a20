/// What a lab run saw: the ground truth, every decision, and what the evaluation and the
/// plots need (sessions, goodput, risk over time). Kids and sources as text.
public struct LabRecord: Sendable {
    public struct Verdict: Sendable, Codable, Equatable {
        public let time: Double
        /// "device" or "source".
        public let subjectKind: String
        /// The kid (hex) or the source address.
        public let subject: String
        /// The device concerned, when known (hex).
        public let target: String?
        public let action: String
        public let cause: String
        public let reason: String
        public let score: Double
        public let evidence: [String]
        /// False when the engine refused it (e.g. quarantining a revoked device).
        public let applied: Bool
    }

    public struct Session: Sendable, Equatable {
        public let time: Double
        public let source: String
    }

    public struct FeatureSample: Sendable {
        public let kid: String
        public let time: Double
        public let vector: [Double]
        public let profile: [Double]
    }

    public var scenario: String
    public var seed: UInt64
    public var devices: Int
    public var durationSeconds: Double
    public var labels: [AttackLabel] = []
    public var decisions: [Verdict] = []
    /// Sessions established, per kid.
    public var sessions: [String: [Session]] = [:]
    /// The addresses each device itself used (not its attackers').
    public var legitimateSources: [String: Set<String>] = [:]
    /// Accepted OSCORE requests per kid per `goodputBucketSeconds`.
    public var accepted: [String: [Int]] = [:]
    public static let goodputBucketSeconds = 10.0
    /// Risk per second of the attacked devices and two untouched ones.
    public var risk: [String: [Double]] = [:]
    /// For the same devices each second: the age of the session key in use, or −1 with no session.
    public var keyAge: [String: [Double]] = [:]
    public var featureSamples: [FeatureSample] = []
    public var deviceSeconds = 0.0
    public var events = 0
    public var handshakes = 0
    public var requestsAccepted = 0
    public var wallSeconds = 0.0

    public var deviceHours: Double { deviceSeconds / 3600 }
}

import RampartGateway

/// What the detector wants done, with why: the gateway applies it (`GatewayEngine.perform`,
/// `GatewayEngine.block(source:…)`), and the action's event carries the evidence to the ledger.
public struct Decision: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case device(GatewayAction, kid: [UInt8])
        case blockSource(PeerAddress, seconds: Double)
    }

    /// What led to it.
    public enum Cause: String, Sendable, Codable {
        /// Hard evidence (a rule).
        case rule
        /// The risk score crossed a threshold.
        case risk
        /// A clean probation ended a quarantine.
        case probation
        /// The session outlived its risk-adaptive interval.
        case rotation
        /// The session's key neared its AEAD usage limits.
        case usage
    }

    public let action: Action
    public let cause: Cause
    public let reason: String
    public let evidence: ActionEvidence
    /// The device concerned: the subject of a device action, or the device a blocked source
    /// attacked when the detector can tell.
    public let target: [UInt8]?

    public init(action: Action, cause: Cause, reason: String, evidence: ActionEvidence, target: [UInt8]?) {
        self.action = action
        self.cause = cause
        self.reason = reason
        self.evidence = evidence
        self.target = target
    }

    /// The reason prefix that marks an action as the detector's (operators' reasons are free text).
    public static let reasonPrefix = "detector: "

    /// Whether this is a verdict on suspicion (not routine rotation).
    public var isVerdict: Bool { cause == .rule || cause == .risk }
}

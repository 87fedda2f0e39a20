import RampartGateway

/// A security decision as the ledger records it (docs/ledger.md, type 3): an action taken on a
/// device — by an operator, by the detector or by a rule — with its reason, the evidence, and
/// the risk score behind it (0 for an operator's action).
public struct SecurityEventSummary: Sendable, Equatable {
    /// Scores are per mille: 0 … 1000.
    public static let maxScore: UInt64 = 1000

    public var kid: [UInt8]
    public var score: UInt64
    public var evidence: [String]
    /// The action's name (`force-rekey`, `quarantine`, …).
    public var action: String
    public var reason: String
    /// False when the action was already in effect (actions are idempotent).
    public var changed: Bool

    /// The detector's risk (0…1) as a score per mille; 0 without evidence (an operator).
    public static func score(_ evidence: ActionEvidence?) -> UInt64 {
        UInt64(((evidence?.score ?? 0) * Double(maxScore)).rounded())
    }

    public init(kid: [UInt8], score: UInt64 = 0, evidence: [String] = [], action: String, reason: String, changed: Bool) {
        self.kid = kid
        self.score = min(score, Self.maxScore)
        self.evidence = evidence
        self.action = action
        self.reason = reason
        self.changed = changed
    }

    public func pendingEntry(time: UInt64) -> PendingEntry {
        PendingEntry(type: .securityEvent, time: time, body: .textMap([
            ("kid", .bytes(kid)),
            ("score", .unsigned(score)),
            ("evidence", .array(evidence.map { .text($0) })),
            ("action", .text(action)),
            ("reason", .text(reason)),
            ("changed", .bool(changed)),
        ]))
    }
}

/// A change of policy or configuration (docs/ledger.md, type 4): what changed, from what, to
/// what, and why. `subject` names the thing (`gateway-configuration`, `device/<kid>/policy`).
public struct PolicyChangeSummary: Sendable, Equatable {
    public var subject: String
    public var old: String
    public var new: String
    public var reason: String

    public init(subject: String, old: String, new: String, reason: String) {
        self.subject = subject
        self.old = old
        self.new = new
        self.reason = reason
    }

    public func pendingEntry(time: UInt64) -> PendingEntry {
        PendingEntry(type: .policyChange, time: time, body: .textMap([
            ("subject", .text(subject)), ("old", .text(old)), ("new", .text(new)), ("reason", .text(reason)),
        ]))
    }
}

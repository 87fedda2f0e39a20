/// One session of one device as the ledger records it (docs/ledger.md, type 2): when it began
/// and ended, how it ended, and what happened in it — counts, never packets. A run of failed
/// handshakes from one registered kid is one summary too (`outcome` names the failure class,
/// `requests` counts the attempts), so a flood costs the ledger one entry per kid per window.
public struct SessionSummary: Sendable, Equatable {
    public var kid: [UInt8]
    /// ms since the epoch.
    public var start: UInt64
    public var end: UInt64
    /// `replaced` (a new handshake), `evicted` (idle), an action's name (`force-rekey`,
    /// `revoke-session`, `quarantine`, `revoke-registration`), `open-at-shutdown`, or a
    /// handshake failure class (`authenticationFailed`, …).
    public var outcome: String
    /// C_R, the session's OSCORE Recipient ID on the gateway (0 for failures).
    public var session: UInt32
    public var suite: Int32
    /// OSCORE requests accepted (or, for a failure summary, handshakes attempted).
    public var requests: UInt64
    /// OSCORE rejections by class.
    public var rejections: [String: UInt64]

    public init(kid: [UInt8], start: UInt64, end: UInt64, outcome: String, session: UInt32, suite: Int32,
                requests: UInt64, rejections: [String: UInt64]) {
        self.kid = kid
        self.start = start
        self.end = end
        self.outcome = outcome
        self.session = session
        self.suite = suite
        self.requests = requests
        self.rejections = rejections
    }

    public func pendingEntry(time: UInt64) -> PendingEntry {
        PendingEntry(type: .session, time: time, body: .textMap([
            ("kid", .bytes(kid)),
            ("start", .unsigned(start)),
            ("end", .unsigned(end)),
            ("outcome", .text(outcome)),
            ("session", .unsigned(UInt64(session))),
            ("suite", .int(Int64(suite))),
            ("requests", .unsigned(requests)),
            ("rejections", .textMap(rejections.sorted { $0.key < $1.key }.map { ($0.key, .unsigned($0.value)) })),
        ]))
    }
}

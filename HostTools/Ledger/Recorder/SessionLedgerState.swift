import Foundation
import RampartGateway

/// Turns the gateway's event stream into ledger summaries (no I/O): one session summary when a
/// session ends, one failure summary per kid and failure class per window, one security event
/// per action. Sessions still open when the gateway stops are summarised as `open-at-shutdown`.
struct SessionLedgerState {
    /// Failed handshakes of one kid and class are summarised together over this window.
    static let failureWindowMilliseconds: UInt64 = 10_000

    private struct OpenSession {
        var start: UInt64
        var session: UInt32
        var suite: Int32
        var requests: UInt64 = 0
        var rejections: [String: UInt64] = [:]
    }

    private struct FailureRun {
        var first: UInt64
        var last: UInt64
        var attempts: UInt64
    }

    private struct FailureKey: Hashable {
        var kid: [UInt8]
        var failure: HandshakeFailure
    }

    private var open: [[UInt8]: OpenSession] = [:]
    private var failures: [FailureKey: FailureRun] = [:]
    /// Summaries ready to be written, oldest first.
    private(set) var ready: [PendingEntry] = []

    static func milliseconds(_ date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded()))
    }

    mutating func observe(_ event: GatewayEvent) {
        let now = Self.milliseconds(event.time)
        switch event.kind {
        case .handshakeSucceeded(let kid, _, let suite, let session, _):
            close(kid: kid, outcome: "replaced", at: now)
            open[kid] = OpenSession(start: now, session: session, suite: suite)
        case .handshakeFailed(let kid?, _, let failure):
            let key = FailureKey(kid: kid, failure: failure)
            if var run = failures[key] {
                run.last = now
                run.attempts += 1
                failures[key] = run
            } else {
                failures[key] = FailureRun(first: now, last: now, attempts: 1)
            }
        case .oscoreAccepted(let kid, _, _, _, _):
            open[kid]?.requests += 1
        case .oscoreRejected(let kid?, _, let rejection):
            open[kid]?.rejections[rejection.rawValue, default: 0] += 1
        case .sessionEvicted(let kid):
            close(kid: kid, outcome: "evicted", at: now)
        case .actionTaken(let kid, let action, let reason, let changed, let evidence):
            switch action {
            case .revokeSession, .forceRekey, .quarantine, .revokeRegistration:
                close(kid: kid, outcome: action.rawValue, at: now)
            case .release:
                break
            }
            ready.append(SecurityEventSummary(kid: kid, score: SecurityEventSummary.score(evidence),
                                              evidence: evidence?.evidence ?? [],
                                              action: action.rawValue, reason: reason, changed: changed)
                .pendingEntry(time: now))
        case .sourceBlocked(let source, let seconds, let reason, let changed, let evidence):
            // No kid: the source goes into the evidence.
            ready.append(SecurityEventSummary(kid: [], score: SecurityEventSummary.score(evidence),
                                              evidence: ["source=\(source)", "seconds=\(Int(seconds.rounded()))"]
                                                  + (evidence?.evidence ?? []),
                                              action: "block-source", reason: reason, changed: changed)
                .pendingEntry(time: now))
        case .handshakeFailed(nil, _, _), .oscoreRejected(nil, _, _), .handshakeStarted, .echoChallengeSent,
             .datagramDropped, .previousPeerAnswered, .sessionOnPeer:
            // (An answered ping or a peer's session is evidence; the detector's decision on it
            // is what the ledger keeps.)
            // No registered kid to attribute them to: counted by the metrics, not the ledger.
            break
        }
    }

    /// Moves failure runs whose window has passed at `now` to `ready`.
    mutating func closeFailureWindows(now: UInt64) {
        for (key, run) in failures where now >= run.first + Self.failureWindowMilliseconds {
            ready.append(failureSummary(key, run, time: now))
            failures[key] = nil
        }
    }

    /// At shutdown: every open session and failure run.
    mutating func closeAll(now: UInt64) {
        for kid in open.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            close(kid: kid, outcome: "open-at-shutdown", at: now)
        }
        for (key, run) in failures { ready.append(failureSummary(key, run, time: now)) }
        failures.removeAll()
    }

    mutating func takeReady() -> [PendingEntry] {
        defer { ready.removeAll(keepingCapacity: true) }
        return ready
    }

    /// Puts entries that could not be written back in front (they are written first, in order).
    mutating func putBack(_ entries: [PendingEntry]) {
        ready.insert(contentsOf: entries, at: 0)
    }

    var openSessionCount: Int { open.count }

    private mutating func close(kid: [UInt8], outcome: String, at now: UInt64) {
        guard let session = open.removeValue(forKey: kid) else { return }
        ready.append(SessionSummary(kid: kid, start: session.start, end: now, outcome: outcome, session: session.session,
                                    suite: session.suite, requests: session.requests, rejections: session.rejections)
            .pendingEntry(time: now))
    }

    private func failureSummary(_ key: FailureKey, _ run: FailureRun, time: UInt64) -> PendingEntry {
        SessionSummary(kid: key.kid, start: run.first, end: run.last, outcome: key.failure.rawValue, session: 0, suite: 0,
                       requests: run.attempts, rejections: [:]).pendingEntry(time: time)
    }
}

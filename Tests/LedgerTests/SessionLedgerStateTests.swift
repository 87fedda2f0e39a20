import Foundation
import RampartGateway
import Testing
@testable import RampartLedger

/// The gateway's event stream turned into ledger summaries.
@Suite struct SessionLedgerStateTests {
    let kid: [UInt8] = [0x2B]
    let source = PeerAddress.udp(host: "127.0.0.1", port: 40000)

    func at(_ milliseconds: Int) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + Double(milliseconds) / 1000) }
    func ms(_ milliseconds: Int) -> UInt64 { 1_800_000_000_000 + UInt64(milliseconds) }

    @Test func aSessionIsSummarisedWhenTheNextHandshakeReplacesIt() throws {
        var state = SessionLedgerState()
        state.observe(GatewayEvent(time: at(0), .handshakeSucceeded(kid: kid, source: source, suite: 2, session: 7, durationMicroseconds: 900)))
        for sequence in 0 ..< 3 {
            state.observe(GatewayEvent(time: at(100 + sequence), .oscoreAccepted(kid: kid, source: source, sequenceNumber: UInt64(sequence),
                                                                                  payloadBytes: 20, reading: nil)))
        }
        state.observe(GatewayEvent(time: at(200), .oscoreRejected(kid: kid, source: source, rejection: .replay)))
        #expect(state.takeReady().isEmpty)
        state.observe(GatewayEvent(time: at(5000), .handshakeSucceeded(kid: kid, source: source, suite: 2, session: 8, durationMicroseconds: 900)))
        let entries = state.takeReady()
        #expect(entries.count == 1)
        let expected = SessionSummary(kid: kid, start: ms(0), end: ms(5000), outcome: "replaced", session: 7, suite: 2,
                                      requests: 3, rejections: ["replay": 1]).pendingEntry(time: ms(5000))
        #expect(entries.first == expected)
        #expect(state.openSessionCount == 1)
    }

    @Test func anActionEndsTheSessionAndIsRecordedWithItsReason() {
        var state = SessionLedgerState()
        state.observe(GatewayEvent(time: at(0), .handshakeSucceeded(kid: kid, source: source, suite: 0, session: 3, durationMicroseconds: 1)))
        state.observe(GatewayEvent(time: at(10), .actionTaken(kid: kid, action: .quarantine, reason: "replayed message_1", changed: true, evidence: nil)))
        let entries = state.takeReady()
        #expect(entries.map(\.type) == [.session, .securityEvent])
        #expect(entries[0].body["outcome"] == .text("quarantine"))
        #expect(entries[1].body["reason"] == .text("replayed message_1"))
        #expect(entries[1].body["action"] == .text("quarantine"))
        #expect(entries[1].body["changed"] == .bool(true))
        #expect(state.openSessionCount == 0)
    }

    @Test func theDetectorsEvidenceAndItsSourceBlocksReachTheLedger() {
        var state = SessionLedgerState()
        let evidence = ActionEvidence(score: 0.8372, evidence: ["rule:one-kid-two-places", "sessions from A and B"])
        state.observe(GatewayEvent(time: at(0), .actionTaken(kid: kid, action: .quarantine, reason: "detector: one-kid-two-places",
                                                             changed: true, evidence: evidence)))
        let attacker = PeerAddress.udp(host: "198.51.100.1", port: 4)
        state.observe(GatewayEvent(time: at(5), .sourceBlocked(source: attacker, seconds: 300, reason: "detector: handshake-flood",
                                                               changed: true, evidence: ActionEvidence(score: 1, evidence: ["rule:handshake-flood"]))))
        let entries = state.takeReady()
        #expect(entries.map(\.type) == [.securityEvent, .securityEvent])
        #expect(entries[0].body["score"] == .unsigned(837))
        #expect(entries[0].body["evidence"] == .array([.text("rule:one-kid-two-places"), .text("sessions from A and B")]))
        #expect(entries[1].body["kid"] == .bytes([]))
        #expect(entries[1].body["action"] == .text("block-source"))
        #expect(entries[1].body["evidence"] == .array([.text("source=198.51.100.1:4"), .text("seconds=300"), .text("rule:handshake-flood")]))
        // Both pass the security-event schema.
        for entry in entries { #expect(throws: Never.self) { try EntryBodySchema.validate(entry.body, as: entry.type) } }
    }

    @Test func failuresOfOneKidAreSummarisedOncePerWindow() {
        var state = SessionLedgerState()
        for attempt in 0 ..< 50 {
            state.observe(GatewayEvent(time: at(attempt * 10), .handshakeFailed(kid: kid, source: source, failure: .authenticationFailed)))
        }
        state.observe(GatewayEvent(time: at(20), .handshakeFailed(kid: nil, source: source, failure: .malformed)))
        state.closeFailureWindows(now: ms(9_999))
        #expect(state.takeReady().isEmpty)
        state.closeFailureWindows(now: ms(10_000))
        let entries = state.takeReady()
        #expect(entries.count == 1)
        #expect(entries.first?.body["outcome"] == .text("authenticationFailed"))
        #expect(entries.first?.body["requests"] == .unsigned(50))
        #expect(entries.first?.body["end"] == .unsigned(ms(490)))
    }

    @Test func shutdownSummarisesEverythingOpen() {
        var state = SessionLedgerState()
        state.observe(GatewayEvent(time: at(0), .handshakeSucceeded(kid: [1], source: source, suite: 2, session: 1, durationMicroseconds: 1)))
        state.observe(GatewayEvent(time: at(0), .handshakeSucceeded(kid: [2], source: source, suite: 2, session: 2, durationMicroseconds: 1)))
        state.observe(GatewayEvent(time: at(0), .handshakeFailed(kid: [3], source: source, failure: .revoked)))
        state.closeAll(now: ms(60_000))
        let entries = state.takeReady()
        #expect(entries.count == 3)
        #expect(entries.filter { $0.body["outcome"] == .text("open-at-shutdown") }.count == 2)
    }
}

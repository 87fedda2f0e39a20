import Foundation
import RampartGateway
import RampartProtocol
import Testing
@testable import RampartDetection

/// Recorded events (`--record-events`) read back as the events the detector saw.
@Suite struct EventRecordTests {
    static let source = PeerAddress.udp(host: "10.0.0.1", port: 5000)

    @Test func eachKindRoundTripsThroughJSON() throws {
        let reading = TelemetryReading(readingNumber: 1, valueQ16: 21 << 16 | 0x8000, failurePerMille: 0, uptimeSeconds: 1)
        let kinds: [GatewayEvent.Kind] = [
            .handshakeStarted(source: Self.source, suite: 0, ephemeralFingerprint: [1, 2, 3, 4, 5, 6, 7, 8], session: 9),
            .handshakeSucceeded(kid: [0xAA], source: Self.source, suite: 0, session: 9, durationMicroseconds: 5),
            .handshakeFailed(kid: nil, source: Self.source, failure: .timeout),
            .oscoreAccepted(kid: [0xAA], source: Self.source, sequenceNumber: 7, payloadBytes: 13, reading: reading),
            .oscoreRejected(kid: [0xAA], source: Self.source, rejection: .replay),
            .datagramDropped(source: Self.source, reason: .rateLimited),
            .actionTaken(kid: [0xAA], action: .quarantine, reason: "operator", changed: true, evidence: nil),
            .sessionEvicted(kid: [0xAA]),
            .previousPeerAnswered(kid: [0xAA], previous: Self.source, current: .udp(host: "198.51.100.1", port: 4000)),
            .sessionOnPeer(kid: [0xAA], gateway: "0011223344556677"),
        ]
        for kind in kinds {
            let record = try #require(EventRecord(kind, at: 12.5))
            let decoded = try JSONDecoder().decode(EventRecord.self, from: JSONEncoder().encode(record))
            #expect(decoded == record)
            let back = try #require(decoded.event)
            // The detector compares sources, so the peer may change form but stays one peer.
            #expect(EventRecord(back, at: 12.5)?.type == record.type)
            #expect(EventRecord(back, at: 12.5)?.kid == record.kid)
        }
        let answered = try #require(EventRecord(kinds[8], at: 0)?.event)
        if case .previousPeerAnswered(_, let previous, let current) = answered {
            #expect(previous != current)
        } else {
            Issue.record("previous-peer-answered read back as \(answered)")
        }
        let accepted = try #require(EventRecord(kinds[3], at: 0))
        #expect(accepted.value == 21.5)
    }

    @Test func trainingFromLinesSamplesPastTheWarmUpAndNamesBadLines() throws {
        var lines: [String] = []
        let encoder = JSONEncoder()
        lines.append(String(decoding: try encoder.encode(EventRecord(
            .handshakeSucceeded(kid: [0xAA], source: Self.source, suite: 0, session: 1, durationMicroseconds: 1), at: 0)!), as: UTF8.self))
        for second in 1...300 {
            lines.append(String(decoding: try encoder.encode(EventRecord(
                .oscoreAccepted(kid: [0xAA], source: Self.source, sequenceNumber: UInt64(second), payloadBytes: 13, reading: nil),
                at: Double(second))!), as: UTF8.self))
        }
        let replayed = try EventLogTraining.samples(fromLines: lines.joined(separator: "\n").split(separator: "\n"))
        #expect(replayed.events == 301)
        // One per second after the 60 s warm-up.
        #expect((238...241).contains(replayed.samples.count))
        #expect(throws: EventLogError.self) {
            try EventLogTraining.samples(fromLines: ["{\"t\": 1, \"type\": \"action\"}", "not json"].map { Substring($0) })
        }
    }
}

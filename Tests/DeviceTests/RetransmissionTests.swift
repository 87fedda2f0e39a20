import Testing
import RampartDevice
import RampartProtocol

/// CoAP CON retransmission (RFC 7252 §4.2) with the test timers: ACK_TIMEOUT 200 ms,
/// ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT 4.
@Suite("Device: CoAP retransmission")
struct RetransmissionTests {
    @Test("a lost message_2 brings the same message_1 again after the initial timeout")
    func lostResponse() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        var dropped = 0
        link.dropResponse = { _ in
            dropped += 1
            return dropped == 1
        }
        link.run(&device, parties.gateway, until: 1000)

        let requests = link.message1Requests
        #expect(requests.count == 2)
        guard requests.count == 2 else { return }
        // The same datagram, Message ID included, after T0 in [ACK_TIMEOUT, 1.5 × ACK_TIMEOUT].
        #expect(requests[0].bytes == requests[1].bytes)
        let timeout = requests[1].time - requests[0].time
        #expect(timeout >= 200 && timeout <= 300)
        // The gateway answered the retransmission with its stored message_2, and the
        // handshake completed from it.
        #expect(parties.gateway.message1Payloads.count == 2)
        #expect(device.phase == .connected)
        #expect(device.counters.retransmissions == 1)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("without answers: 1 + MAX_RETRANSMIT transmissions at doubling intervals, then a new handshake")
    func noAnswer() throws {
        let parties = try TestParties(suite: .suite2)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.dropRequest = { _ in true }
        // 31 × T0 ≤ 9.3 s until the exchange is given up, then a back-off of at most 100 ms.
        link.run(&device, parties.gateway, until: 9_500) { device in device.counters.handshakesStarted == 2 }

        let sent = link.sent
        #expect(sent.count >= 6)
        guard sent.count >= 6 else { return }
        #expect(sent[0..<5].allSatisfy { $0.bytes == sent[0].bytes })
        let t0 = sent[1].time - sent[0].time
        #expect(t0 >= 200 && t0 <= 300)
        let gaps = (1..<5).map { sent[$0].time - sent[$0 - 1].time }
        #expect(gaps == [t0, 2 * t0, 4 * t0, 8 * t0])
        // The last wait (16 × T0) ends the exchange; the new message_1 has a new ephemeral key.
        let giveUp = sent[4].time + 16 * t0
        #expect(sent[5].time >= giveUp + 50 && sent[5].time <= giveUp + 100)
        #expect(TestCoAP.isMessage1Request(sent[5].bytes))
        #expect(TestCoAP.payload(sent[5].bytes) != TestCoAP.payload(sent[0].bytes))
        // Stop right after the second handshake's first message_1.
        let counters = device.counters
        #expect(counters.exchangeTimeouts == 1 && counters.handshakesFailed == 1)
        #expect(counters.handshakesStarted == 2)
        #expect(counters.retransmissions == UInt32(sent.count - 2))
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a lost telemetry acknowledgement: the reading is retransmitted, not duplicated")
    func lostTelemetryResponse() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 100)
        var dropped = false
        link.dropRequest = { datagram in
            guard !dropped, TestCoAP.hasOption(datagram.bytes, .oscore) else { return false }
            dropped = true
            return true
        }
        link.run(&device, parties.gateway, until: 1_500)

        let oscore = link.oscoreRequests
        #expect(oscore.count == 3)
        guard oscore.count == 3 else { return }
        #expect(oscore[1].bytes == oscore[2].bytes)
        #expect(oscore[2].time - oscore[1].time >= 200 && oscore[2].time - oscore[1].time <= 300)
        #expect(parties.gateway.readings.map(\.readingNumber) == [1, 2])
        #expect(device.counters.telemetryAcknowledged == 2 && device.counters.retransmissions == 1)
        #expect(device.shutdown().secretsAllWiped)
    }
}

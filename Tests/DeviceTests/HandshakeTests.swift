import Testing
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartProtocol

/// The device's EDHOC Initiator over CoAP against a Responder built from the protocol core,
/// then OSCORE telemetry, on a simulated clock (link delay 5 ms each way).
@Suite("Device: handshake and telemetry")
struct HandshakeTests {
    @Test("the handshake completes and telemetry decrypts to the readings sent", arguments: [
        EDHOCCipherSuite.suite0, .suite2,
    ])
    func handshakeAndTelemetry(suite: EDHOCCipherSuite) throws {
        let parties = try TestParties(suite: suite)
        var device = try parties.makeDevice()
        #expect(device.phase == .provisioned)
        let link = TestLink()
        link.run(&device, parties.gateway, until: 3500)

        #expect(device.phase == .connected)
        #expect(parties.gateway.sessionsEstablished == 1)
        let counters = device.counters
        #expect(counters.handshakesStarted == 1 && counters.handshakesSucceeded == 1 && counters.handshakesFailed == 0)
        // message_1 → message_2 and message_3 → 2.04: two round trips of 2 × 5 ms.
        #expect(counters.lastHandshakeLatencyMilliseconds == 20)
        #expect(counters.lastRoundTripMilliseconds == 10)
        // Readings at 20 ms (right after the handshake), then every second: 1000, 2000, 3000.
        let readings = parties.gateway.readings
        #expect(readings.map(\.readingNumber) == [1, 2, 3, 4])
        #expect(readings.map(\.valueQ16) == parties.samples.values)
        #expect(readings.map(\.uptimeSeconds) == [0, 1, 2, 3])
        #expect(readings.allSatisfy { $0.failurePerMille == 0 })
        #expect(counters.telemetrySent == 4 && counters.telemetryAcknowledged == 4)
        // The inner request is POST /t with Content-Format 60; the outer one shows neither.
        #expect(parties.gateway.innerPaths.allSatisfy { $0 == Array("t".utf8) })
        #expect(parties.gateway.innerContentFormats.allSatisfy { $0 == [60] })
        #expect(link.oscoreRequests.allSatisfy { TestCoAP.option($0.bytes, .uriPath) == nil })
        // The device's OSCORE Sender ID is the C_R the gateway chose (RFC 9528 Appendix A.1).
        let installedID = device.senderID
        let senderID = try #require(installedID)
        #expect(senderID.array == parties.gateway.sessionIDs.last)
        let final = device.shutdown()
        #expect(final.secretsAllWiped)
        #expect(final.oscoreContextsDerived == 1)
    }

    @Test("4.01 + Echo is answered with the same message_1 carrying the Echo value")
    func echoChallenge() throws {
        let parties = try TestParties(suite: .suite0)
        let echo: [UInt8] = [0xE1, 0xC0, 0x00, 0x42, 0x99, 0x01, 0x02, 0x03]
        parties.gateway.requiredEcho = echo
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 500)

        #expect(device.phase == .connected)
        #expect(parties.gateway.message1Payloads.count == 2)
        #expect(parties.gateway.message1Payloads.first == parties.gateway.message1Payloads.last)
        #expect(parties.gateway.echoesReceived == [nil, echo])
        let requests = link.message1Requests
        #expect(requests.count == 2)
        if requests.count == 2 {
            #expect(TestCoAP.messageID(requests[0].bytes) != TestCoAP.messageID(requests[1].bytes))
        }
        #expect(device.counters.echoChallenges == 1)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("ERR_CODE 2 with SUITES_R that holds the device's suite: a new message_1 at once")
    func suiteRetry() throws {
        let parties = try TestParties(suite: .suite2)
        parties.gateway.suitesErrorOnce = try EDHOCSuites(0, 2)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 200)

        #expect(device.phase == .connected)
        #expect(device.counters.suiteRejections == 1)
        let payloads = parties.gateway.message1Payloads
        #expect(payloads.count == 2)
        #expect(payloads.first != payloads.last, "the retry must use a fresh ephemeral key")
        // Both attempts count as one handshake.
        #expect(device.counters.handshakesStarted == 1 && device.counters.handshakesSucceeded == 1)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a gateway without the device's suite: a long back-off, no tight loop")
    func noCommonSuite() throws {
        let parties = try TestParties(suite: .suite0, gatewaySuites: [2])
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 2400)

        // The configuration back-off (base 5 s) waits at least 2.5 s.
        #expect(parties.gateway.message1Payloads.count == 1)
        #expect(device.phase == .handshaking)
        #expect(device.counters.suiteRejections == 1 && device.counters.handshakesFailed == 1)
        #expect(link.lastWake >= 2500 && link.lastWake <= 5010)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("5.03 with Max-Age: the next message_1 waits Max-Age seconds")
    func serviceUnavailable() throws {
        let parties = try TestParties(suite: .suite0)
        parties.gateway.serviceUnavailableOnce = 3
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 4000)

        let starts = link.message1Requests.map(\.time)
        #expect(starts == [0, 3010])
        #expect(device.phase == .connected)
        #expect(device.counters.serviceUnavailable == 1)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a separate response is acknowledged with an empty ACK")
    func separateResponse() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 500)
        parties.gateway.separateResponses = true
        link.run(&device, parties.gateway, until: 1500)

        #expect(device.counters.telemetryAcknowledged == 2)
        // The gateway's separate CON response used Message ID request + 0x4000.
        let lastRequest = try #require(link.oscoreRequests.last)
        let expectedID = TestCoAP.messageID(lastRequest.bytes) &+ 0x4000
        let emptyAcks = link.sent.filter { $0.bytes.count == 4 && $0.bytes[0] == 0x60 && $0.bytes[1] == 0 }
        #expect(emptyAcks.map { TestCoAP.messageID($0.bytes) } == [expectedID])
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a CoAP ping (Empty CON) is answered with a Reset carrying its Message ID; the session carries on")
    func ping() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 500)
        #expect(device.phase == .connected)
        let ping: [UInt8] = [0x40, 0x00, 0xBE, 0xEF]
        device.receive(ping.span, nowMilliseconds: link.now)
        var buffer = [UInt8](repeating: 0, count: DeviceLimits.datagramByteCount)
        let output: DevicePoll
        do {
            var span = buffer.mutableSpan
            output = device.poll(nowMilliseconds: link.now, into: &span)
        }
        #expect(Array(buffer.prefix(output.datagramByteCount)) == [0x70, 0x00, 0xBE, 0xEF])
        #expect(device.counters.pingsAnswered == 1)
        #expect(device.counters.unmatchedDatagrams == 0)
        let before = device.counters.telemetryAcknowledged
        link.run(&device, parties.gateway, until: 2500)
        #expect(device.phase == .connected)
        #expect(device.counters.telemetryAcknowledged >= before + 2)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("garbage datagrams are counted and change nothing")
    func garbage() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 100)
        #expect(device.phase == .connected)
        var crypto = try HostCrypto()
        var before = device.counters.unmatchedDatagrams
        for length in 0..<200 {
            var bytes = [UInt8](repeating: 0, count: length % 40)
            var span = bytes.mutableSpan
            crypto.fillRandom(&span)
            if length % 3 == 0 && bytes.count >= 4 { bytes[0] = 0x60 } // an ACK with a random MID
            device.receive(bytes.span, nowMilliseconds: 100)
        }
        #expect(device.phase == .connected)
        #expect(device.counters.unmatchedDatagrams > before)
        before = device.counters.telemetryAcknowledged
        link.run(&device, parties.gateway, until: 2100)
        #expect(device.counters.telemetryAcknowledged == before + 2)
        #expect(device.shutdown().secretsAllWiped)
    }
}

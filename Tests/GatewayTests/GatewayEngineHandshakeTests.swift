import RampartGateway
import RampartHostCrypto
import RampartProtocol
import Testing

@Suite("Gateway engine: EDHOC and OSCORE end to end in memory")
struct GatewayEngineHandshakeTests {
    @Test("a registered device completes EDHOC and its telemetry is accepted", arguments: [EDHOCCipherSuite.suite0, .suite2])
    func handshakeAndTelemetry(suite: EDHOCCipherSuite) async throws {
        let gateway = try TestGateway()
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: suite, kid: [0x21, 0x22])
        var context = try device.handshake(gateway.engine)
        #expect(gateway.engine.sessionCount == 1)
        #expect(gateway.engine.halfOpenCount == 0)
        for reading in UInt32(1)...3 {
            let request = try device.telemetryRequest(&context, reading: reading)
            let reply = try #require(gateway.engine.handle(request.bytes, from: device.source))
            #expect(try TestDevice.openResponse(&context, reply, binding: request.binding) == .changed)
        }
        let events = await log.snapshot(expectAtLeast: 5)
        let succeeded = events.contains { if case .handshakeSucceeded(let kid, _, let s, _, _) = $0 { kid == [0x21, 0x22] && s == suite.rawValue } else { false } }
        let accepted = events.filter { if case .oscoreAccepted(let kid, _, _, _, _) = $0 { kid == [0x21, 0x22] } else { false } }
        #expect(succeeded)
        #expect(accepted.count == 3)
        context.wipe()
    }

    @Test("an OSCORE request to another resource is answered inside OSCORE with 4.04")
    func unknownResource() throws {
        let gateway = try TestGateway()
        var device = try gateway.device(suite: .suite0, kid: [0x31])
        var context = try device.handshake(gateway.engine)
        let request = try device.telemetryRequest(&context, path: "x")
        let reply = try #require(gateway.engine.handle(request.bytes, from: device.source))
        #expect(try TestDevice.openResponse(&context, reply, binding: request.binding) == .notFound)
        context.wipe()
    }

    @Test("an unregistered kid gets ERR_CODE 3 and no session")
    func unknownDevice() throws {
        let gateway = try TestGateway()
        var device = try gateway.device(suite: .suite2, kid: [0x41], register: false)
        let error = try #require(throws: HandshakeRefused.self) { var c = try device.handshake(gateway.engine); c.wipe() }
        #expect(error.response.code == .badRequest)
        #expect(error.response.edhocError?.code == EDHOCErrorMessage.unknownCredentialReferenced)
        #expect(gateway.engine.sessionCount == 0)
    }

    @Test("a device with a different key under a registered kid fails authentication")
    func impersonation() throws {
        let gateway = try TestGateway()
        _ = try gateway.device(suite: .suite0, kid: [0x42])
        var impostor = try gateway.device(suite: .suite0, kid: [0x42], register: false)
        let error = try #require(throws: HandshakeRefused.self) { var c = try impostor.handshake(gateway.engine); c.wipe() }
        #expect(error.response.edhocError?.diagnosticIs("authentication failed") == true)
        #expect(gateway.engine.sessionCount == 0)
    }

    @Test("message_1 retransmitted gets the same message_2; message_3 retransmitted gets 2.04 again")
    func deduplication() throws {
        let gateway = try TestGateway()
        var device = try gateway.device(suite: .suite0, kid: [0x51])
        var request1: [UInt8] = []
        let waitM2 = try device.message1Request(&request1)
        let first = try #require(gateway.engine.handle(request1, from: device.source))
        let again = try #require(gateway.engine.handle(request1, from: device.source))
        #expect(try CoAPResponse(first).payload == CoAPResponse(again).payload)
        #expect(gateway.engine.halfOpenCount == 1)
        waitM2.abort()

        var fresh = try gateway.device(suite: .suite0, kid: [0x52], source: .udp(host: "127.0.0.1", port: 40001))
        var context = try fresh.handshake(gateway.engine)
        let repeated = try CoAPResponse(try #require(gateway.engine.handle(fresh.lastMessage3, from: fresh.source)))
        #expect(repeated.code == .changed)
        #expect(gateway.engine.sessionCount == 1)
        context.wipe()
    }

    @Test("a retransmitted OSCORE request gets its response again; a replayed one is refused; the session survives both")
    func replay() async throws {
        let gateway = try TestGateway()
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: .suite2, kid: [0x61])
        var context = try device.handshake(gateway.engine)
        let request = try device.telemetryRequest(&context, reading: 1)
        let first = try #require(gateway.engine.handle(request.bytes, from: device.source))
        // Its ACK was lost: the same bytes from the same endpoint are a CoAP retransmission
        // (RFC 7252 §4.5), answered with the same response, not refused as a replay.
        #expect(gateway.engine.handle(request.bytes, from: device.source) == first)
        // The same bytes from elsewhere are a replay.
        let elsewhere = PeerAddress.udp(host: "198.51.100.3", port: 7)
        let replayed = try CoAPResponse(try #require(gateway.engine.handle(request.bytes, from: elsewhere)))
        #expect(replayed.code == .unauthorized)
        #expect(replayed.payload == Array("Replay detected".utf8))
        // So is an older request from the device's own address, once a newer one was served.
        let second = try device.telemetryRequest(&context, reading: 4)
        _ = try #require(gateway.engine.handle(second.bytes, from: device.source))
        let stale = try CoAPResponse(try #require(gateway.engine.handle(request.bytes, from: device.source)))
        #expect(stale.code == .unauthorized)
        // A forged request (one flipped ciphertext byte) is refused too, and neither ends the session.
        var forged = try device.telemetryRequest(&context, reading: 2).bytes
        forged[forged.count - 1] ^= 0x01
        let refused = try CoAPResponse(try #require(gateway.engine.handle(forged, from: device.source)))
        #expect(refused.code == .badRequest)
        let next = try device.telemetryRequest(&context, reading: 3)
        let reply = try #require(gateway.engine.handle(next.bytes, from: device.source))
        #expect(try TestDevice.openResponse(&context, reply, binding: next.binding) == .changed)
        let events = await log.snapshot(expectAtLeast: 6)
        #expect(events.contains { if case .oscoreRejected(_, _, .replay) = $0 { true } else { false } })
        #expect(events.contains { if case .oscoreRejected(_, _, .decryptionFailed) = $0 { true } else { false } })
        context.wipe()
    }

    @Test("a session taken from an address active moments ago sends a CoAP ping there; its Reset says the kid is in two places")
    func previousPeerPing() async throws {
        let gateway = try TestGateway()
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: .suite0, kid: [0x61])
        var first = try device.handshake(gateway.engine)
        // A re-key from the same address pings nobody.
        gateway.clock.advance(1)
        var second = try device.handshake(gateway.engine)
        #expect(gateway.engine.takeOutbound().isEmpty)
        // The same key from elsewhere: the old address gets an Empty CON.
        var clone = device
        clone.source = .udp(host: "198.51.100.9", port: 7000)
        gateway.clock.advance(1)
        var taken = try clone.handshake(gateway.engine)
        let ping = try #require(gateway.engine.takeOutbound().first)
        #expect(gateway.engine.takeOutbound().isEmpty)
        #expect(ping.destination == device.source)
        #expect(ping.bytes.count == 4 && ping.bytes[0] == 0x40 && ping.bytes[1] == 0x00)
        let reset: [UInt8] = [0x70, 0x00, ping.bytes[2], ping.bytes[3]]
        // A Reset from another address, or with another Message ID, answers nothing.
        #expect(gateway.engine.handle(reset, from: clone.source) == nil)
        #expect(gateway.engine.handle([0x70, 0x00, ping.bytes[2], ping.bytes[3] ^ 1], from: device.source) == nil)
        #expect(gateway.engine.handle(reset, from: device.source) == nil)
        // Answered once: a second Reset is nothing.
        #expect(gateway.engine.handle(reset, from: device.source) == nil)
        let events = await log.snapshot(expectAtLeast: 7)
        let answered = events.compactMap { event -> ([UInt8], PeerAddress, PeerAddress)? in
            if case .previousPeerAnswered(let kid, let previous, let current) = event { (kid, previous, current) } else { nil }
        }
        #expect(answered.count == 1)
        #expect(answered.first?.0 == [0x61])
        #expect(answered.first?.1 == device.source)
        #expect(answered.first?.2 == clone.source)
        first.wipe()
        second.wipe()
        taken.wipe()
    }

    @Test("no ping after the old address went quiet, and a Reset after the ping's timeout answers nothing")
    func previousPeerPingLimits() async throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.pingPreviousPeerWithinSeconds = 60
        limits.pingTimeoutSeconds = 2
        let gateway = try TestGateway(limits: limits)
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: .suite0, kid: [0x62])
        var first = try device.handshake(gateway.engine)
        // Quiet for longer than the window, then a handshake from a new address (a device
        // that rebooted onto a new port): nothing to ask.
        gateway.clock.advance(61)
        device.source = .udp(host: "127.0.0.1", port: 40002)
        var moved = try device.handshake(gateway.engine)
        #expect(gateway.engine.takeOutbound().isEmpty)
        // Active just now, then taken: a ping; its answer comes too late.
        var clone = device
        clone.source = .udp(host: "198.51.100.9", port: 7001)
        var taken = try clone.handshake(gateway.engine)
        let ping = try #require(gateway.engine.takeOutbound().first)
        #expect(ping.destination == device.source)
        gateway.clock.advance(3)
        #expect(gateway.engine.handle([0x70, 0x00, ping.bytes[2], ping.bytes[3]], from: device.source) == nil)
        let events = await log.snapshot(expectAtLeast: 6)
        #expect(!events.contains { if case .previousPeerAnswered = $0 { true } else { false } })
        first.wipe()
        moved.wipe()
        taken.wipe()
    }

    @Test("a suite the gateway does not offer is answered with ERR_CODE 2 and SUITES_R")
    func negotiation() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.suites = [2]
        let gateway = try TestGateway(limits: limits)
        var device = try gateway.device(suite: .suite0, kid: [0x71])
        var request: [UInt8] = []
        let state = try device.message1Request(&request)
        state.abort()
        let reply = try CoAPResponse(try #require(gateway.engine.handle(request, from: device.source)))
        #expect(reply.code == .badRequest)
        let error = try #require(reply.edhocError)
        #expect(error.code == EDHOCErrorMessage.wrongSelectedCipherSuite)
        #expect(error.suitesR?.contains(2) == true && error.suitesR?.contains(0) == false)
    }
}

import RampartGateway
import RampartHostCrypto
import RampartProtocol
import Testing

@Suite("Gateway engine: admission control, bounds and hostile input")
struct GatewayEngineAdmissionTests {
    static func source(_ port: Int) -> PeerAddress { .udp(host: "127.0.0.1", port: port) }

    @Test("above the threshold, message_1 gets 4.01 + Echo and no DH work; the echoed retry completes")
    func echoChallenge() async throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.echoThreshold = 0
        let gateway = try TestGateway(limits: limits)
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: .suite0, kid: [0x81])
        var request: [UInt8] = []
        let state = try device.message1Request(&request)
        state.abort()
        let challenge = try CoAPResponse(try #require(gateway.engine.handle(request, from: device.source)))
        #expect(challenge.code == .unauthorized)
        let echo = try #require(challenge.echo)
        #expect(gateway.engine.halfOpenCount == 0, "no state before the Echo is returned")

        // The Echo value is bound to the address it was sent to.
        var elsewhere = device
        elsewhere.source = Self.source(40999)
        #expect(throws: HandshakeRefused.self) { var c = try elsewhere.handshake(gateway.engine, echo: echo); c.wipe() }
        // A made-up value is refused as well.
        #expect(throws: HandshakeRefused.self) { var c = try device.handshake(gateway.engine, echo: [UInt8](repeating: 7, count: 12)); c.wipe() }
        var context = try device.handshake(gateway.engine, echo: echo)
        #expect(gateway.engine.sessionCount == 1)
        context.wipe()
        let events = await log.snapshot(expectAtLeast: 4)
        #expect(events.filter { if case .echoChallengeSent = $0 { true } else { false } }.count >= 3)
    }

    @Test("an Echo value expires after its lifetime")
    func echoExpires() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.echoThreshold = 0
        limits.echoLifetimeSeconds = 30
        let gateway = try TestGateway(limits: limits)
        var device = try gateway.device(suite: .suite2, kid: [0x82])
        var request: [UInt8] = []
        try device.message1Request(&request).abort()
        let challenge = try #require(gateway.engine.handle(request, from: device.source))
        let echo = try #require(try CoAPResponse(challenge).echo)
        gateway.clock.advance(31)
        let error = try #require(throws: HandshakeRefused.self) { var c = try device.handshake(gateway.engine, echo: echo); c.wipe() }
        #expect(error.response.code == .unauthorized && error.response.echo != nil)
    }

    @Test("the half-open table is bounded: past it message_1 gets 5.03; expired handshakes free it")
    func halfOpenBound() async throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.maxHalfOpenHandshakes = 3
        limits.echoThreshold = 100
        limits.halfOpenTimeoutSeconds = 10
        let gateway = try TestGateway(limits: limits)
        let log = EventLog(gateway.events)
        for port in 0..<3 {
            var device = try gateway.device(suite: .suite0, kid: [0x90, UInt8(port)], source: Self.source(41000 + port))
            var request: [UInt8] = []
            try device.message1Request(&request).abort()
            #expect(try CoAPResponse(try #require(gateway.engine.handle(request, from: device.source))).code == .changed)
        }
        #expect(gateway.engine.halfOpenCount == 3)
        var late = try gateway.device(suite: .suite0, kid: [0x93], source: Self.source(41003))
        var request: [UInt8] = []
        try late.message1Request(&request).abort()
        #expect(try CoAPResponse(try #require(gateway.engine.handle(request, from: late.source))).code == .serviceUnavailable)

        gateway.clock.advance(11)
        gateway.engine.tick()
        #expect(gateway.engine.halfOpenCount == 0)
        var context = try late.handshake(gateway.engine)
        context.wipe()
        let events = await log.snapshot(expectAtLeast: 8)
        #expect(events.filter { if case .handshakeFailed(_, _, .timeout) = $0 { true } else { false } }.count == 3)
        #expect(events.contains { if case .handshakeFailed(_, _, .overloaded) = $0 { true } else { false } })
    }

    @Test("a source past its rate gets nothing; other sources are unaffected")
    func perSourceRateLimit() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.perSourceBurst = 5
        limits.perSourceRatePerSecond = 1
        let gateway = try TestGateway(limits: limits)
        let ping: [UInt8] = [0x40, 0x00, 0x12, 0x34]  // an empty CON: answered with RST
        let flooder = Self.source(42000)
        var answered = 0
        for _ in 0..<50 where gateway.engine.handle(ping, from: flooder) != nil { answered += 1 }
        #expect(answered == 5)
        #expect(gateway.engine.handle(ping, from: Self.source(42001)) != nil)
        gateway.clock.advance(2)
        #expect(gateway.engine.handle(ping, from: flooder) != nil, "tokens refill with time")
    }

    @Test("idle sessions are evicted; the device then gets 4.01 and can re-handshake")
    func idleEviction() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.sessionIdleTimeoutSeconds = 60
        let gateway = try TestGateway(limits: limits)
        var device = try gateway.device(suite: .suite0, kid: [0xA1])
        var context = try device.handshake(gateway.engine)
        gateway.clock.advance(61)
        for _ in 0..<16 { gateway.engine.tick() }
        #expect(gateway.engine.sessionCount == 0)
        let request = try device.telemetryRequest(&context)
        let reply = try CoAPResponse(try #require(gateway.engine.handle(request.bytes, from: device.source)))
        #expect(reply.code == .unauthorized)
        #expect(reply.payload == Array("Security context not found".utf8))
        context.wipe()
        var fresh = try device.handshake(gateway.engine)
        #expect(gateway.engine.sessionCount == 1)
        fresh.wipe()
    }

    @Test("the session table is bounded: the least recently active session makes room")
    func sessionBound() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.maxSessions = 2
        let gateway = try TestGateway(limits: limits)
        var contexts: [[UInt8]] = []
        for i in 0..<3 {
            var device = try gateway.device(suite: .suite0, kid: [0xB0, UInt8(i)], source: Self.source(43000 + i))
            var context = try device.handshake(gateway.engine)
            context.wipe()
            contexts.append(device.identity.kid)
            gateway.clock.advance(1)
        }
        #expect(gateway.engine.sessionCount == 2)
        #expect(try gateway.engine.deviceState(kid: [0xB0, 2])?.hasSession == true)
    }

    @Test("random and mangled datagrams never crash the engine, and a device still connects after them")
    func hostileDatagrams() throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.perSourceBurst = 1_000_000
        limits.perSourceRatePerSecond = 1_000_000
        limits.perSourceHandshakesPerSecond = 1_000_000
        let gateway = try TestGateway(limits: limits)
        var device = try gateway.device(suite: .suite0, kid: [0xC1])
        var seedRequest: [UInt8] = []
        try device.message1Request(&seedRequest).abort()
        var generator = SystemRandomNumberGenerator()
        let attacker = Self.source(44000)
        for round in 0..<5_000 {
            var datagram: [UInt8]
            switch round % 4 {
            case 0: datagram = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1: datagram = Array(seedRequest.prefix(Int.random(in: 0..<seedRequest.count, using: &generator)))
            case 2:
                datagram = seedRequest
                datagram[Int.random(in: 0..<datagram.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            default:
                // Absurd option deltas and lengths (nibble 13/14 extended forms) and oversized frames.
                datagram = [0x42, 0x02, 0x00, UInt8(round & 0xFF), 0x01, 0x02, 0xEE, 0xFF, 0xFF, 0xDD, 0xFF]
                    + [UInt8](repeating: 0x41, count: Int.random(in: 0...2000, using: &generator))
            }
            _ = gateway.engine.handle(datagram, from: attacker)
        }
        // The mangled message_1s that still parsed hold half-open slots, so the gateway may
        // now be in Echo mode: the device answers the challenge and gets in.
        var context = try device.handshakeAnsweringEcho(gateway.engine)
        #expect(gateway.engine.sessionCount == 1)
        context.wipe()
    }
}

import RampartGateway
import RampartHostCrypto
import RampartProtocol
import Testing

@Suite("Gateway engine: response actions")
struct GatewayEngineActionTests {
    @Test("force re-key drops the context: the next request gets 4.01, a new handshake gets new keys")
    func forceRekey() async throws {
        let gateway = try TestGateway()
        let log = EventLog(gateway.events)
        var device = try gateway.device(suite: .suite2, kid: [0xD1])
        var context = try device.handshake(gateway.engine)
        let first = try gateway.engine.perform(.forceRekey, kid: [0xD1], reason: "test")
        #expect(first.changed && first.sessionDropped)
        let again = try gateway.engine.perform(.forceRekey, kid: [0xD1], reason: "test")
        #expect(!again.changed, "idempotent: nothing left to drop")
        let request = try device.telemetryRequest(&context)
        #expect(try CoAPResponse(try #require(gateway.engine.handle(request.bytes, from: device.source))).code == .unauthorized)
        var renewed = try device.handshake(gateway.engine)
        let oldID = context.senderID, newID = renewed.senderID
        let sameID = CoAPResponse.copy(newID.span) == CoAPResponse.copy(oldID.span)
        #expect(!sameID, "a new session has a new C_R, so new keys")
        let next = try device.telemetryRequest(&renewed)
        let reply = try #require(gateway.engine.handle(next.bytes, from: device.source))
        #expect(try TestDevice.openResponse(&renewed, reply, binding: next.binding) == .changed)
        context.wipe(); renewed.wipe()
        let events = await log.snapshot(expectAtLeast: 6)
        #expect(events.contains { if case .actionTaken(let kid, .forceRekey, "test", true, nil) = $0 { kid == [0xD1] } else { false } })
    }

    @Test("quarantine ends the session and refuses EDHOC with \"quarantined\" until release; others keep working")
    func quarantineAndRelease() throws {
        let gateway = try TestGateway()
        var suspect = try gateway.device(suite: .suite0, kid: [0xE1])
        var bystander = try gateway.device(suite: .suite0, kid: [0xE2], source: .udp(host: "127.0.0.1", port: 45001))
        var suspectContext = try suspect.handshake(gateway.engine)
        var bystanderContext = try bystander.handshake(gateway.engine)

        #expect(try gateway.engine.perform(.quarantine, kid: [0xE1], reason: "score 0.97").changed)
        #expect(try !gateway.engine.perform(.quarantine, kid: [0xE1], reason: "again").changed)
        #expect(try gateway.engine.deviceState(kid: [0xE1])?.status == .quarantined)
        let refused = try #require(throws: HandshakeRefused.self) { var c = try suspect.handshake(gateway.engine); c.wipe() }
        #expect(refused.response.edhocError?.diagnosticIs("quarantined") == true)

        let request = try bystander.telemetryRequest(&bystanderContext)
        let reply = try #require(gateway.engine.handle(request.bytes, from: bystander.source))
        #expect(try TestDevice.openResponse(&bystanderContext, reply, binding: request.binding) == .changed)

        #expect(try gateway.engine.perform(.release, kid: [0xE1], reason: "cleared").changed)
        var renewed = try suspect.handshake(gateway.engine)
        #expect(gateway.engine.sessionCount == 2)
        suspectContext.wipe(); bystanderContext.wipe(); renewed.wipe()
    }

    @Test("revoking a registration ends the session for good; quarantine and release then refuse")
    func revokeRegistration() throws {
        let gateway = try TestGateway()
        var device = try gateway.device(suite: .suite2, kid: [0xF1])
        var context = try device.handshake(gateway.engine)
        let outcome = try gateway.engine.perform(.revokeRegistration, kid: [0xF1], reason: "stolen")
        #expect(outcome.changed && outcome.sessionDropped)
        let refused = try #require(throws: HandshakeRefused.self) { var c = try device.handshake(gateway.engine); c.wipe() }
        #expect(refused.response.edhocError?.diagnosticIs("revoked") == true)
        #expect(throws: ActionError.self) { try gateway.engine.perform(.release, kid: [0xF1], reason: "oops") }
        context.wipe()
    }

    @Test("an action on an unknown kid says so")
    func unknownKid() throws {
        let gateway = try TestGateway()
        #expect(throws: DeviceDirectoryError.unknownDevice(kid: [0x99])) {
            try gateway.engine.perform(.quarantine, kid: [0x99], reason: "x")
        }
    }
}

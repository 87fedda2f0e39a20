import Foundation
import Logging
import RampartCrypto
import RampartGateway
import RampartGatewayBench
import RampartHostCrypto
import RampartProtocol
import Synchronization
import Testing

/// A device's or the gateway's keys for a test: `ClientIdentity` (RampartGatewayBench), plus
/// the static key the protocol API wants.
typealias TestIdentity = ClientIdentity

extension ClientIdentity {
    func staticKey(_ crypto: HostCrypto) throws -> EDHOCStaticKey {
        try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: EDHOCCredential(ccs: credential.span))
    }
}

/// A settable clock for timeouts and eviction.
final class ManualClock: Sendable {
    private let seconds = Mutex<Double>(1000)
    var clock: EngineClock { EngineClock { [self] in seconds.withLock { $0 } } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
}

/// A gateway engine with fresh keys for both suites, an in-memory registry and a clock.
struct TestGateway {
    let engine: GatewayEngine
    let directory: InMemoryDeviceDirectory
    let events: EventBus
    let clock: ManualClock
    let credentials: [Int32: [UInt8]]

    init(limits: GatewayConfiguration.EngineLimits = GatewayConfiguration.EngineLimits()) throws {
        let crypto = try HostCrypto()
        let suite0 = try TestIdentity.make(suite: .suite0, kid: [0x0A], crypto: crypto)
        let suite2 = try TestIdentity.make(suite: .suite2, kid: [0x0B], crypto: crypto)
        directory = InMemoryDeviceDirectory()
        events = EventBus()
        clock = ManualClock()
        credentials = [0: suite0.credential, 2: suite2.credential]
        engine = try GatewayEngine(configuration: limits, keys: [suite0.keyMaterial, suite2.keyMaterial],
                                   devices: directory, events: events, logger: Logger(label: "test"), clock: clock.clock)
    }

    /// Registers and returns a new device.
    func device(suite: EDHOCCipherSuite, kid: [UInt8], source: PeerAddress = .udp(host: "127.0.0.1", port: 40000),
                register: Bool = true) throws -> TestDevice {
        let crypto = try HostCrypto()
        let identity = try TestIdentity.make(suite: suite, kid: kid, crypto: crypto)
        if register { try directory.add(identity.record) }
        return TestDevice(identity: identity, gatewayCredential: credentials[suite.rawValue]!, source: source)
    }
}

/// What a device saw from the gateway.
struct CoAPResponse {
    let code: CoAPCode
    let type: CoAPMessageType
    let messageID: UInt16
    let token: [UInt8]
    let payload: [UInt8]
    let echo: [UInt8]?
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let message = try CoAPMessage(parsing: bytes.span)
        code = message.code
        type = message.type
        messageID = message.messageID
        token = Self.copy(message.token)
        payload = Self.copy(message.payload)
        if let value = message.options.first(.echo) { echo = Self.copy(value) } else { echo = nil }
        self.bytes = bytes
    }

    static func copy(_ span: Span<UInt8>) -> [UInt8] { (0..<span.count).map { span[$0] } }

    /// The EDHOC error message in the payload, if any.
    var edhocError: EDHOCErrorMessage? { EDHOCErrorMessage(parsing: payload.span) }
}

/// A device driven by hand through the protocol API (not the device state machine): the
/// engine's tests control every message.
struct TestDevice {
    let identity: TestIdentity
    let gatewayCredential: [UInt8]
    var source: PeerAddress
    var messageID: UInt16 = 1
    var connectionID: UInt8 = 0x05

    mutating func nextMessageID() -> UInt16 { messageID &+= 1; return messageID }

    /// message_1 as a CoAP request (and the Initiator's state).
    mutating func message1Request(_ request: inout [UInt8], echo: [UInt8]? = nil, suites: EDHOCSuites? = nil) throws
        -> EDHOCInitiatorWaitM2 {
        var crypto = try HostCrypto()
        let initiator = try EDHOCInitiator(suites: suites ?? EDHOCSuites(identity.suite.rawValue),
                                           connectionID: EDHOCIdentifier(byte: connectionID))
        var m1 = [UInt8](repeating: 0, count: 128)
        var count = 0
        let state: EDHOCInitiatorWaitM2
        do {
            var w = ByteWriter(m1.mutableSpan)
            state = try initiator.prepareMessage1(crypto: &crypto, into: &w)
            count = w.count
        }
        let message1 = Array(m1[0..<count])
        request = try Self.edhocRequest(messageID: nextMessageID(), prefix: [0xF5], message: message1, echo: echo)
        return state
    }

    static func edhocRequest(messageID: UInt16, prefix: [UInt8], message: [UInt8], echo: [UInt8]? = nil) throws -> [UInt8] {
        try EngineClient.edhocRequest(messageID: messageID, prefix: prefix, message: message, echo: echo)
    }

    /// Runs message_1 → message_3 against `engine` and returns the OSCORE client context.
    mutating func handshake(_ engine: GatewayEngine, echo: [UInt8]? = nil) throws -> OSCORESecurityContext {
        var request1: [UInt8] = []
        let waitM2 = try message1Request(&request1, echo: echo)
        let reply1 = try CoAPResponse(try #require(engine.handle(request1, from: source)))
        guard reply1.code == .changed else {
            waitM2.abort()
            throw HandshakeRefused(response: reply1)
        }
        let crypto = try HostCrypto()
        let staticKey = try identity.staticKey(crypto)
        let processed = try waitM2.processMessage2(crypto: crypto, message2: reply1.payload.span)
            .verifyMessage2(crypto: crypto, staticKey: staticKey,
                            credentialR: EDHOCCredential(ccs: gatewayCredential.span))
        var m3 = [UInt8](repeating: 0, count: 128)
        var count = 0
        let session: EDHOCSession
        let cR: [UInt8]
        do {
            cR = [0x44] + (0..<processed.peerConnectionID.count).map { processed.peerConnectionID[$0] }
            var w = ByteWriter(m3.mutableSpan)
            session = try processed.prepareMessage3(crypto: crypto, staticKey: staticKey, into: &w)
            count = w.count
        }
        lastMessage3 = try Self.edhocRequest(messageID: nextMessageID(), prefix: cR, message: Array(m3[0..<count]))
        let reply3 = try CoAPResponse(try #require(engine.handle(lastMessage3, from: source)))
        guard reply3.code == .changed else {
            session.close()
            throw HandshakeRefused(response: reply3)
        }
        let context = try session.oscoreContext(crypto: crypto)
        session.close()
        return context
    }

    var lastMessage3: [UInt8] = []

    /// `handshake`, answering a 4.01 Echo challenge the way a device does: once, with the value.
    mutating func handshakeAnsweringEcho(_ engine: GatewayEngine) throws -> OSCORESecurityContext {
        do {
            return try handshake(engine)
        } catch let refused as HandshakeRefused {
            guard refused.response.code == .unauthorized, let echo = refused.response.echo else { throw refused }
            return try handshake(engine, echo: echo)
        }
    }

    /// A telemetry request protected with `context`, and what the client keeps to verify
    /// the response.
    mutating func telemetryRequest(_ context: inout OSCORESecurityContext, reading: UInt32 = 1,
                                   path: StaticString = "t") throws -> (bytes: [UInt8], binding: OSCORERequestBinding) {
        let crypto = try HostCrypto()
        var plain = [UInt8](repeating: 0, count: 128)
        var count = 0
        do {
            var w = ByteWriter(plain.mutableSpan)
            var builder = CoAPMessageBuilder()
            let token: [UInt8] = [0x7E, UInt8(reading & 0xFF)]
            try builder.header(type: .confirmable, code: .post, messageID: nextMessageID(), token: token.span, into: &w)
            try builder.option(.uriPath, path, into: &w)
            try builder.option(.contentFormat, uint: 60, into: &w)
            var payload = [UInt8](repeating: 0, count: TelemetryReading.maxEncodedByteCount)
            var payloadCount = 0
            do {
                var pw = ByteWriter(payload.mutableSpan)
                try TelemetryReading(readingNumber: reading, valueQ16: 21 << 16, failurePerMille: 3, uptimeSeconds: 60)
                    .write(into: &pw)
                payloadCount = pw.count
            }
            try builder.payload(payload.span.extracting(0..<payloadCount), into: &w)
            count = w.count
        }
        var scratch = [UInt8](repeating: 0, count: 512)
        var out = [UInt8](repeating: 0, count: 512)
        var outCount = 0
        let binding: OSCORERequestBinding
        do {
            var s = scratch.mutableSpan
            var w = ByteWriter(out.mutableSpan)
            binding = try context.protectRequest(plain.span.extracting(0..<count), crypto: crypto, scratch: &s, into: &w)
            outCount = w.count
        }
        return (Array(out[0..<outCount]), binding)
    }

    /// The inner response code of a protected response.
    static func openResponse(_ context: inout OSCORESecurityContext, _ response: [UInt8],
                             binding: OSCORERequestBinding) throws -> CoAPCode {
        let crypto = try HostCrypto()
        var scratch = [UInt8](repeating: 0, count: 512)
        var out = [UInt8](repeating: 0, count: 512)
        var count = 0
        do {
            let message = try OSCOREProtectedMessage(parsing: response.span)
            var s = scratch.mutableSpan
            var w = ByteWriter(out.mutableSpan)
            try context.unprotectResponse(message, request: binding, crypto: crypto, scratch: &s, into: &w)
            count = w.count
        }
        return try CoAPMessage(parsing: out.span.extracting(0..<count)).code
    }
}

struct HandshakeRefused: Error {
    let response: CoAPResponse
}

/// Collects events published during a test.
final class EventLog: Sendable {
    private let sink = EventSink()
    private let task: Task<Void, Never>

    init(_ bus: EventBus) {
        let stream = bus.subscribe(capacity: 100_000)
        let sink = self.sink
        task = Task { for await event in stream { sink.append(event.kind) } }
    }

    /// Events received so far, waiting (up to a second) until there are `minimum`.
    func snapshot(expectAtLeast minimum: Int = 0) async -> [GatewayEvent.Kind] {
        for _ in 0..<200 {
            let current = sink.all
            if current.count >= minimum { return current }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return sink.all
    }

    deinit { task.cancel() }
}

final class EventSink: Sendable {
    private let events = Mutex<[GatewayEvent.Kind]>([])
    func append(_ kind: GatewayEvent.Kind) { events.withLock { $0.append(kind) } }
    var all: [GatewayEvent.Kind] { events.withLock { $0 } }
}

import RampartCrypto
import RampartGateway
import RampartHostCrypto
import RampartProtocol

/// A device's static identity for driving a gateway from the host: private key, CCS, kid.
public struct ClientIdentity: Sendable {
    public let privateKey: Bytes32
    public let credential: [UInt8]
    public let kid: [UInt8]
    public let suite: EDHOCCipherSuite

    /// An identity from known parts (the attack lab's stolen key, a kid with someone else's key).
    public init(privateKey: Bytes32, credential: [UInt8], kid: [UInt8], suite: EDHOCCipherSuite) {
        self.privateKey = privateKey
        self.credential = credential
        self.kid = kid
        self.suite = suite
    }

    /// A fresh key pair and its CCS.
    public static func make(suite: EDHOCCipherSuite, kid: [UInt8], crypto: HostCrypto) throws -> ClientIdentity {
        var random = crypto
        var key = Bytes32(repeating: 0)
        var x = Bytes32(repeating: 0)
        var y: Bytes32? = nil
        while true {
            var span = key.mutableSpan
            random.fillRandom(&span)
            if suite == .suite0 { x = crypto.x25519PublicKey(privateKey: key); break }
            if let point = try? crypto.p256PublicKey(privateKey: key) { x = point.x; y = point.y; break }
        }
        var buffer = [UInt8](repeating: 0, count: 160)
        var count = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            let subject = Array("rampart-bench-device".utf8)
            try EDHOCCredential.writeCCS(suite: suite, subject: subject.span, keyID: kid.span, x: x, y: y, into: &writer)
            count = writer.count
        }
        return ClientIdentity(privateKey: key, credential: Array(buffer[0..<count]), kid: kid, suite: suite)
    }

    public var record: DeviceRecord { DeviceRecord(kid: kid, credential: credential, suites: [suite.rawValue]) }

    /// The same identity as the gateway's static key material (for a test gateway).
    public var keyMaterial: GatewayKeyMaterial {
        GatewayKeyMaterial(suite: suite.rawValue, privateKey: (0..<32).map { privateKey[$0] }, credential: credential)
    }
}

/// Why a handshake driven by `EngineClient` did not complete.
public struct HandshakeRefusal: Error, CustomStringConvertible {
    /// The response's CoAP code (class × 32 + detail), or nil if none came.
    public let code: UInt8?
    public let echo: [UInt8]?
    public var description: String { "handshake refused (CoAP code \(code.map(String.init) ?? "none"))" }
}

/// The device side of EDHOC and OSCORE over any `send` (a datagram in, the reply out), on
/// the protocol core's API: benchmarks and load generators use it where the device state
/// machine's timers and retransmissions would only get in the way.
public struct EngineClient {
    public let identity: ClientIdentity
    public let gatewayCredential: [UInt8]
    private var messageID: UInt16 = UInt16.random(in: .min ... .max)
    private let crypto: HostCrypto

    public init(identity: ClientIdentity, gatewayCredential: [UInt8]) throws {
        self.identity = identity
        self.gatewayCredential = gatewayCredential
        self.crypto = try HostCrypto()
    }

    private mutating func nextMessageID() -> UInt16 { messageID &+= 1; return messageID }

    /// Runs message_1 → message_3 and returns the OSCORE context. A 4.01 Echo challenge is
    /// answered once, as a device does.
    public mutating func handshake(send: ([UInt8]) -> [UInt8]?) throws -> OSCORESecurityContext {
        do {
            return try handshake(send: send, echo: nil)
        } catch let refusal as HandshakeRefusal where refusal.code == CoAPCode.unauthorized.rawValue && refusal.echo != nil {
            return try handshake(send: send, echo: refusal.echo)
        }
    }

    private mutating func handshake(send: ([UInt8]) -> [UInt8]?, echo: [UInt8]?) throws -> OSCORESecurityContext {
        var random = crypto
        let initiator = try EDHOCInitiator(suites: EDHOCSuites(identity.suite.rawValue),
                                           connectionID: EDHOCIdentifier(byte: 0x05))
        var m1 = [UInt8](repeating: 0, count: 128)
        var count = 0
        let waitM2: EDHOCInitiatorWaitM2
        do {
            var w = ByteWriter(m1.mutableSpan)
            waitM2 = try initiator.prepareMessage1(crypto: &random, into: &w)
            count = w.count
        }
        let request1 = try Self.edhocRequest(messageID: nextMessageID(), prefix: [0xF5],
                                             message: Array(m1[0..<count]), echo: echo)
        var reply = Reply(send(request1))
        guard reply.code == CoAPCode.changed.rawValue else {
            waitM2.abort()
            throw HandshakeRefusal(code: reply.code, echo: reply.echo)
        }
        let staticKey = try EDHOCStaticKey(crypto: crypto, privateKey: identity.privateKey,
                                           credential: EDHOCCredential(ccs: identity.credential.span))
        let processed = try waitM2.processMessage2(crypto: crypto, message2: reply.payload.span)
            .verifyMessage2(crypto: crypto, staticKey: staticKey, credentialR: EDHOCCredential(ccs: gatewayCredential.span))
        var m3 = [UInt8](repeating: 0, count: 128)
        let session: EDHOCSession
        var prefix: [UInt8] = [0x40 | UInt8(processed.peerConnectionID.count)]
        for i in 0..<processed.peerConnectionID.count { prefix.append(processed.peerConnectionID[i]) }
        do {
            var w = ByteWriter(m3.mutableSpan)
            session = try processed.prepareMessage3(crypto: crypto, staticKey: staticKey, into: &w)
            count = w.count
        }
        staticKey.destroy()
        let request3 = try Self.edhocRequest(messageID: nextMessageID(), prefix: prefix, message: Array(m3[0..<count]), echo: nil)
        reply = Reply(send(request3))
        guard reply.code == CoAPCode.changed.rawValue else {
            session.close()
            throw HandshakeRefusal(code: reply.code, echo: nil)
        }
        let context = try session.oscoreContext(crypto: crypto)
        session.close()
        return context
    }

    /// A telemetry request (`POST /t` with a `TelemetryReading`) protected with `context`.
    public mutating func telemetryRequest(_ context: inout OSCORESecurityContext, reading: UInt32) throws -> [UInt8] {
        var plain = [UInt8](repeating: 0, count: 96)
        var count = 0
        do {
            var w = ByteWriter(plain.mutableSpan)
            var builder = CoAPMessageBuilder()
            let token: [UInt8] = [UInt8(reading >> 8 & 0xFF), UInt8(reading & 0xFF)]
            try builder.header(type: .confirmable, code: .post, messageID: nextMessageID(), token: token.span, into: &w)
            try builder.option(.uriPath, "t", into: &w)
            try builder.option(.contentFormat, uint: 60, into: &w)
            var payload = [UInt8](repeating: 0, count: TelemetryReading.maxEncodedByteCount)
            var payloadCount = 0
            do {
                var pw = ByteWriter(payload.mutableSpan)
                try TelemetryReading(readingNumber: reading, valueQ16: 21 << 16, failurePerMille: 0, uptimeSeconds: reading)
                    .write(into: &pw)
                payloadCount = pw.count
            }
            try builder.payload(payload.span.extracting(0..<payloadCount), into: &w)
            count = w.count
        }
        var scratch = [UInt8](repeating: 0, count: 256)
        var out = [UInt8](repeating: 0, count: 256)
        var outCount = 0
        do {
            var s = scratch.mutableSpan
            var w = ByteWriter(out.mutableSpan)
            _ = try context.protectRequest(plain.span.extracting(0..<count), crypto: crypto, scratch: &s, into: &w)
            outCount = w.count
        }
        return Array(out[0..<outCount])
    }

    /// A confirmable `POST /.well-known/edhoc` carrying `prefix ‖ message` (RFC 9528 Appendix A.2),
    /// with the Echo option when given; the token is the Message ID.
    public static func edhocRequest(messageID: UInt16, prefix: [UInt8], message: [UInt8], echo: [UInt8]?) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 512)
        var count = 0
        do {
            var w = ByteWriter(out.mutableSpan)
            var builder = CoAPMessageBuilder()
            let token: [UInt8] = [UInt8(messageID >> 8), UInt8(messageID & 0xFF)]
            try builder.header(type: .confirmable, code: .post, messageID: messageID, token: token.span, into: &w)
            try builder.option(.uriPath, ".well-known", into: &w)
            try builder.option(.uriPath, "edhoc", into: &w)
            try builder.option(.contentFormat, uint: 65, into: &w)
            if let echo { try builder.option(.echo, echo.span, into: &w) }
            try builder.payload(prefix.span, message.span, into: &w)
            count = w.count
        }
        return Array(out[0..<count])
    }

    /// The parts of a response the client looks at.
    struct Reply {
        var code: UInt8?
        var payload: [UInt8] = []
        var echo: [UInt8]?

        init(_ bytes: [UInt8]?) {
            guard let bytes, let message = try? CoAPMessage(parsing: bytes.span) else { return }
            code = message.code.rawValue
            let body = message.payload
            payload = (0..<body.count).map { body[$0] }
            if let value = message.options.first(.echo) { echo = (0..<value.count).map { value[$0] } }
        }
    }
}

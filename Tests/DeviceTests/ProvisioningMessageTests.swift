import Testing
import RampartCrypto
import RampartDevice
import RampartProtocol

/// Helpers for provisioning messages in tests.
enum TestProvisioning {
    static func encode(_ message: ProvisioningMessage) throws -> [UInt8] {
        try TestCoAP.write(capacity: ProvisioningMessage.maxByteCount) { (w: inout ByteWriter) throws in
            try message.write(into: &w)
        }
    }

    static func decode(_ bytes: [UInt8]) throws(ProvisioningMessageError) -> ProvisioningMessage {
        try ProvisioningMessage(parsing: bytes.span)
    }

    static func nonce(_ first: UInt8) -> ProvisioningNonce {
        var nonce = ProvisioningNonce(repeating: 0)
        for i in 0..<8 { nonce[i] = first &+ UInt8(i) }
        return nonce
    }

    static func array<let n: Int>(_ value: InlineArray<n, UInt8>) -> [UInt8] { (0..<n).map { value[$0] } }

    static func bytes32(_ fill: UInt8) -> Bytes32 { Bytes32(repeating: fill) }

    static func text(_ string: String) throws -> ProvisioningText {
        let utf8 = Array(string.utf8)
        return try ProvisioningText(copying: utf8.span)
    }

    static func suites(_ values: Int32...) throws -> ProvisioningSuites {
        var suites = ProvisioningSuites()
        for value in values { try suites.append(value) }
        return suites
    }

    static func credential(_ bytes: [UInt8]) throws -> CredentialStorage {
        try CredentialStorage(copying: bytes.span)
    }
}

@Suite("Provisioning: messages")
struct ProvisioningMessageTests {
    typealias T = TestProvisioning

    static let nonceBytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    // MARK: Fixed byte strings written by hand from the CDDL

    @Test("status, hello, factory-reset and error decode from bytes written by hand")
    func handWrittenHostMessages() throws {
        // status = [6, nonce]
        let status: [UInt8] = [0x82, 0x06, 0x48] + Self.nonceBytes
        guard case .status(let nonce) = try T.decode(status) else { Issue.record("not status"); return }
        #expect(T.array(nonce) == Self.nonceBytes)

        // hello = [1, nonce, seed: bstr .size 32, suite]   (suite 2)
        let hello: [UInt8] = [0x84, 0x01, 0x48] + Self.nonceBytes + [0x58, 0x20] + [UInt8](repeating: 0xAA, count: 32)
            + [0x02]
        guard case .hello(let helloNonce, let seed, let suite) = try T.decode(hello) else {
            Issue.record("not hello"); return
        }
        #expect(T.array(helloNonce) == Self.nonceBytes)
        #expect(T.array(seed) == [UInt8](repeating: 0xAA, count: 32))
        #expect(suite == 2)

        // factory-reset = [8, nonce, device-id]
        let reset: [UInt8] = [0x83, 0x08, 0x48] + Self.nonceBytes + [0x48, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8]
        guard case .factoryReset(_, let deviceID) = try T.decode(reset) else { Issue.record("not reset"); return }
        #expect(T.array(deviceID) == [0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8])

        // error = [5, nonce, code: uint, diagnostic: tstr]   with code 3, "bad"
        let error: [UInt8] = [0x84, 0x05, 0x48] + [UInt8](repeating: 0, count: 8) + [0x03, 0x63, 0x62, 0x61, 0x64]
        guard case .error(_, let code, let diagnostic) = try T.decode(error) else { Issue.record("not error"); return }
        #expect(code == ProvisioningErrorCode.malformed.rawValue)
        #expect(diagnostic.array == Array("bad".utf8))
    }

    @Test("provision decodes a hand-written policy: defaults for missing keys, unknown keys ignored")
    func handWrittenProvision() throws {
        // provision = [3, nonce, kid h'2B', CRED_R h'A10102', {1: 1000, 9: "x", -1: [1, 2], 3: 500}]
        let bytes: [UInt8] = [0x85, 0x03, 0x48] + Self.nonceBytes + [0x41, 0x2B, 0x43, 0xA1, 0x01, 0x02,
                                                                     0xA4, 0x01, 0x19, 0x03, 0xE8,
                                                                     0x09, 0x61, 0x78,
                                                                     0x20, 0x82, 0x01, 0x02,
                                                                     0x03, 0x19, 0x01, 0xF4]
        guard case .provision(_, let kid, let credential, let policy) = try T.decode(bytes) else {
            Issue.record("not provision"); return
        }
        #expect(kid.array == [0x2B])
        #expect(credential.array == [0xA1, 0x01, 0x02])
        #expect(policy == ProvisioningPolicy(telemetryIntervalMilliseconds: 1000, ackTimeoutMilliseconds: 500))
        #expect(policy.rekeyIntervalSeconds == 3600 && policy.quarantineBackOffCapMilliseconds == 600_000)
        let configuration = policy.deviceConfiguration
        #expect(configuration.telemetryIntervalMilliseconds == 1000)
        #expect(configuration.transmission.ackTimeoutMilliseconds == 500)
        #expect(configuration.quarantineBackOff == BackOffPolicy(baseMilliseconds: 5000, capMilliseconds: 600_000))
    }

    @Test("the encoder writes the device's answers byte for byte as the CDDL says")
    func handWrittenDeviceMessages() throws {
        let nonce = T.nonce(1)
        // done = [4, nonce, credential: bstr]
        #expect(try T.encode(.done(nonce: nonce, credential: T.credential([0xA1, 0x01, 0x02])))
            == [0x83, 0x04, 0x48] + Self.nonceBytes + [0x43, 0xA1, 0x01, 0x02])
        // reset-done = [9, nonce]
        #expect(try T.encode(.resetDone(nonce: nonce)) == [0x82, 0x09, 0x48] + Self.nonceBytes)
        // offer = [2, nonce, device-id, firmware, suites, suite, x]   (suite 0: no y)
        var deviceID = DeviceIdentifier(repeating: 0xDD)
        deviceID[7] = 0x01
        let offer = ProvisioningOffer(nonce: nonce, deviceID: deviceID, firmware: try T.text("v1"),
                                      suites: try T.suites(0, 2), suite: 0, x: T.bytes32(0x11), y: nil)
        #expect(try T.encode(.offer(offer))
            == [0x87, 0x02, 0x48] + Self.nonceBytes + [0x48, 0xDD, 0xDD, 0xDD, 0xDD, 0xDD, 0xDD, 0xDD, 0x01,
                                                       0x62, 0x76, 0x31, 0x82, 0x00, 0x02, 0x00, 0x58, 0x20]
                + [UInt8](repeating: 0x11, count: 32))
        // status-report, unprovisioned = [7, nonce, 0, firmware, suites]
        let report = ProvisioningStatusReport(nonce: nonce, isProvisioned: false, firmware: try T.text("v1"),
                                              suites: try T.suites(2))
        #expect(try T.encode(.statusReport(report))
            == [0x86, 0x07, 0x48] + Self.nonceBytes + [0x00, 0x62, 0x76, 0x31, 0x81, 0x02])
        // the default policy, every key written: {1: 10000, 2: 3600, 3: 2000, 4: 5000, 5: 600000}
        let policy = try TestCoAP.write { (w: inout ByteWriter) throws in try ProvisioningPolicy().write(into: &w) }
        #expect(policy == [0xA5, 0x01, 0x19, 0x27, 0x10, 0x02, 0x19, 0x0E, 0x10, 0x03, 0x19, 0x07, 0xD0,
                           0x04, 0x19, 0x13, 0x88, 0x05, 0x1A, 0x00, 0x09, 0x27, 0xC0])
    }

    // MARK: Round trips

    static func everyMessage() throws -> [ProvisioningMessage] {
        let nonce = T.nonce(0x40)
        var deviceID = DeviceIdentifier(repeating: 0)
        for i in 0..<8 { deviceID[i] = 0xA0 | UInt8(i) }
        let kid = try ProvisioningKeyID(copying: [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08].span)
        let credential = try T.credential([UInt8](repeating: 0x5A, count: 128))
        let firmware32 = try T.text(String(repeating: "f", count: 32))
        let text48 = try T.text(String(repeating: "d", count: 48))
        return [
            .hello(nonce: nonce, seed: T.bytes32(0x33), suite: -7),
            .offer(ProvisioningOffer(nonce: nonce, deviceID: deviceID, firmware: firmware32,
                                     suites: try T.suites(0, 2, 1_000_000, -24), suite: 2, x: T.bytes32(1),
                                     y: T.bytes32(2))),
            .offer(ProvisioningOffer(nonce: nonce, deviceID: deviceID, firmware: try T.text("r"),
                                     suites: try T.suites(0), suite: 0, x: T.bytes32(3), y: nil)),
            .provision(nonce: nonce, keyID: kid, gatewayCredential: credential,
                       policy: ProvisioningPolicy(telemetryIntervalMilliseconds: 1, rekeyIntervalSeconds: 0,
                                                  ackTimeoutMilliseconds: 0xFFFF_FFFF,
                                                  quarantineBackOffBaseMilliseconds: 23,
                                                  quarantineBackOffCapMilliseconds: 24)),
            .done(nonce: nonce, credential: credential),
            .error(nonce: nonce, code: 200, diagnostic: text48),
            .error(nonce: nonce, code: 0, diagnostic: ProvisioningText()),
            .status(nonce: nonce),
            .statusReport(ProvisioningStatusReport(nonce: nonce, isProvisioned: false, firmware: text48,
                                                   suites: try T.suites(0, 2))),
            .statusReport(ProvisioningStatusReport(nonce: nonce, isProvisioned: true, firmware: text48,
                                                   suites: try T.suites(0, 2, 3, 4), deviceID: deviceID,
                                                   keyID: kid, credential: credential, sequence: 0xFFFF_FFFF)),
            .factoryReset(nonce: nonce, deviceID: deviceID),
            .resetDone(nonce: nonce),
        ]
    }

    @Test("every message type survives encode → decode → encode, within maxByteCount")
    func roundTrips() throws {
        var types: Set<UInt8> = []
        for message in try Self.everyMessage() {
            let bytes = try T.encode(message)
            #expect(bytes.count <= ProvisioningMessage.maxByteCount)
            #expect(ProvisioningMessage.isProvisioning(firstByte: bytes[0]))
            let decoded = try T.decode(bytes)
            #expect(decoded.type == message.type)
            #expect(T.array(decoded.nonce) == T.array(message.nonce))
            #expect(try T.encode(decoded) == bytes)
            types.insert(decoded.type.rawValue)
        }
        #expect(types == Set(1...9))
    }

    @Test("decoded fields equal the encoded ones")
    func roundTripFields() throws {
        let messages = try Self.everyMessage()
        guard case .offer(let offer) = try T.decode(try T.encode(messages[1])) else { Issue.record("offer"); return }
        #expect(offer.suites == (try T.suites(0, 2, 1_000_000, -24)))
        #expect(offer.suite == 2 && T.array(offer.x) == T.array(T.bytes32(1)))
        #expect(offer.y.map { T.array($0) } == T.array(T.bytes32(2)))
        #expect(offer.firmware.count == 32)
        guard case .provision(_, let kid, let credential, let policy) = try T.decode(try T.encode(messages[3])) else {
            Issue.record("provision"); return
        }
        #expect(kid.count == 8 && credential.count == 128)
        #expect(policy.ackTimeoutMilliseconds == 0xFFFF_FFFF && policy.rekeyIntervalSeconds == 0)
        #expect(policy.quarantineBackOffBaseMilliseconds == 23 && policy.quarantineBackOffCapMilliseconds == 24)
        guard case .statusReport(let report) = try T.decode(try T.encode(messages[9])) else {
            Issue.record("status-report"); return
        }
        #expect(report.isProvisioned && report.sequence == 0xFFFF_FFFF)
        #expect(report.deviceID.map { T.array($0) } == [0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7])
        #expect(report.keyID.count == 8 && report.credential.count == 128)
        guard case .statusReport(let unprovisioned) = try T.decode(try T.encode(messages[8])) else {
            Issue.record("status-report 0"); return
        }
        #expect(!unprovisioned.isProvisioned && unprovisioned.deviceID == nil)
        guard case .error(_, let code, let diagnostic) = try T.decode(try T.encode(messages[5])) else {
            Issue.record("error"); return
        }
        #expect(code == 200 && diagnostic.count == 48)
    }

    // MARK: Strictness

    @Test("trailing bytes, longer or shorter arrays are malformed")
    func rejectsWrongShapes() throws {
        let status: [UInt8] = [0x82, 0x06, 0x48] + Self.nonceBytes
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(status + [0x00]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x83, 0x06, 0x48] + Self.nonceBytes + [0x00]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(Array(status.dropLast())) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x81, 0x06]) }
        // Every encoded message, cut short or extended, is refused.
        for message in try Self.everyMessage() {
            let bytes = try T.encode(message)
            #expect(throws: ProvisioningMessageError.malformed) { try T.decode(bytes + [0x01]) }
            for cut in [1, bytes.count / 2, bytes.count - 1] {
                #expect(throws: ProvisioningMessageError.self) { try T.decode(Array(bytes.prefix(cut))) }
            }
        }
    }

    @Test("wrong sizes: nonce, seed, device-id, kid, firmware, public key")
    func rejectsWrongSizes() throws {
        // A 7-byte nonce.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x82, 0x06, 0x47, 1, 2, 3, 4, 5, 6, 7])
        }
        // A 31-byte seed.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x84, 0x01, 0x48] + Self.nonceBytes + [0x58, 0x1F] + [UInt8](repeating: 0, count: 31) + [0x00])
        }
        // A 9-byte device-id.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x83, 0x08, 0x48] + Self.nonceBytes + [0x49] + [UInt8](repeating: 0, count: 9))
        }
        // An empty kid, and a 9-byte one.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x85, 0x03, 0x48] + Self.nonceBytes + [0x40, 0x41, 0x00, 0xA0])
        }
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x85, 0x03, 0x48] + Self.nonceBytes + [0x49] + [UInt8](repeating: 1, count: 9) + [0x41, 0x00, 0xA0])
        }
        // A CRED_R longer than the firmware stores.
        #expect(throws: ProvisioningMessageError.tooLong) {
            try T.decode([0x85, 0x03, 0x48] + Self.nonceBytes + [0x41, 0x01, 0x58, 129] + [UInt8](repeating: 0, count: 129)
                + [0xA0])
        }
        // An offer with an empty firmware text; with 33 bytes of it.
        let offerTail: [UInt8] = [0x81, 0x00, 0x00, 0x58, 0x20] + [UInt8](repeating: 0, count: 32)
        let offerHead: [UInt8] = [0x87, 0x02, 0x48] + Self.nonceBytes + [0x48] + [UInt8](repeating: 0, count: 8)
        #expect(throws: Never.self) { try T.decode(offerHead + [0x61, 0x76] + offerTail) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(offerHead + [0x60] + offerTail) }
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode(offerHead + [0x78, 33] + [UInt8](repeating: 0x61, count: 33) + offerTail)
        }
        // A 31-byte x.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode(offerHead + [0x61, 0x76, 0x81, 0x00, 0x00, 0x58, 0x1F] + [UInt8](repeating: 0, count: 31))
        }
        // Too many suites.
        #expect(throws: ProvisioningMessageError.tooLong) {
            try T.decode(offerHead + [0x61, 0x76, 0x85, 0, 0, 0, 0, 0, 0x00, 0x58, 0x20] + [UInt8](repeating: 0, count: 32))
        }
        // Suite 0 with a y, suite 2 without one.
        let x: [UInt8] = [0x58, 0x20] + [UInt8](repeating: 0, count: 32)
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x88] + offerHead.dropFirst() + [0x61, 0x76, 0x81, 0x00, 0x00] + x + x)
        }
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode(offerHead + [0x61, 0x76, 0x81, 0x02, 0x02] + x)
        }
    }

    @Test("wrong types, non-minimal integers, unknown types, bad policies")
    func rejectsWrongTypes() throws {
        // The nonce as a text string.
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x82, 0x06, 0x68] + Self.nonceBytes) }
        // The type as a non-minimal integer (0x18 0x06).
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x82, 0x18, 0x06, 0x48] + Self.nonceBytes) }
        // The type as a negative integer; as a byte string.
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x82, 0x25, 0x48] + Self.nonceBytes) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x82, 0x41, 0x06, 0x48] + Self.nonceBytes) }
        // A map, not an array.
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0xA1, 0x06, 0x48] + Self.nonceBytes) }
        // An indefinite-length array.
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode([0x9F, 0x06, 0x48] + Self.nonceBytes + [0xFF]) }
        // Types 0 and 10 are unknown.
        #expect(throws: ProvisioningMessageError.unknownType) { try T.decode([0x82, 0x00, 0x48] + Self.nonceBytes) }
        #expect(throws: ProvisioningMessageError.unknownType) { try T.decode([0x82, 0x0A, 0x48] + Self.nonceBytes) }
        // The suite of a hello as a byte string.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x84, 0x01, 0x48] + Self.nonceBytes + [0x58, 0x20] + [UInt8](repeating: 0, count: 32) + [0x41, 0x00])
        }
        // Policies: a value that is not a uint, a key that is not an int, a key twice.
        let provisionHead: [UInt8] = [0x85, 0x03, 0x48] + Self.nonceBytes + [0x41, 0x01, 0x41, 0x00]
        #expect(throws: Never.self) { try T.decode(provisionHead + [0xA1, 0x01, 0x01]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(provisionHead + [0xA1, 0x01, 0x20]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(provisionHead + [0xA1, 0x61, 0x61, 0x01]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(provisionHead + [0xA2, 0x01, 0x01, 0x01, 0x02]) }
        #expect(throws: ProvisioningMessageError.malformed) { try T.decode(provisionHead + [0x80]) }
        // A status-report whose state and length disagree.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x86, 0x07, 0x48] + Self.nonceBytes + [0x01, 0x61, 0x76, 0x81, 0x00])
        }
        // An error code beyond a byte.
        #expect(throws: ProvisioningMessageError.malformed) {
            try T.decode([0x84, 0x05, 0x48] + Self.nonceBytes + [0x19, 0x01, 0x00, 0x60])
        }
    }

    @Test("the encoder refuses what the decoder would refuse")
    func encoderRefusesInvalidFields() throws {
        let nonce = T.nonce(0)
        #expect(throws: ProtocolBufferError.self) {
            try T.encode(.provision(nonce: nonce, keyID: ProvisioningKeyID(), gatewayCredential: CredentialStorage(),
                                    policy: ProvisioningPolicy()))
        }
        let noY = ProvisioningOffer(nonce: nonce, deviceID: DeviceIdentifier(repeating: 0), firmware: try T.text("v"),
                                    suites: try T.suites(2), suite: 2, x: T.bytes32(0), y: nil)
        #expect(throws: ProtocolBufferError.self) { try T.encode(.offer(noY)) }
        let longFirmware = ProvisioningOffer(nonce: nonce, deviceID: DeviceIdentifier(repeating: 0),
                                             firmware: try T.text(String(repeating: "v", count: 33)),
                                             suites: try T.suites(0), suite: 0, x: T.bytes32(0), y: nil)
        #expect(throws: ProtocolBufferError.self) { try T.encode(.offer(longFirmware)) }
    }

    @Test("first bytes tell provisioning from CoAP; the nonce of an unreadable message")
    func firstByteAndNonce() throws {
        for byte in UInt8(0x80)...UInt8(0x9F) { #expect(ProvisioningMessage.isProvisioning(firstByte: byte)) }
        for byte in UInt8(0x40)...UInt8(0x7F) { #expect(!ProvisioningMessage.isProvisioning(firstByte: byte)) }
        #expect(!ProvisioningMessage.isProvisioning(firstByte: 0xA0))
        // A message of an unknown type still shows its nonce; a broken array does not.
        let unknown: [UInt8] = [0x83, 0x0A, 0x48] + Self.nonceBytes + [0x00]
        #expect(ProvisioningMessage.readableNonce(in: unknown.span).map { T.array($0) } == Self.nonceBytes)
        #expect(ProvisioningMessage.readableNonce(in: [0x82, 0x06, 0x47, 1, 2, 3, 4, 5, 6, 7].span) == nil)
    }
}

import Testing
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartPlatform
import RampartProtocol

/// A responder with its crypto and flash, driven message by message as the host would.
struct ResponderHarness: ~Copyable {
    var responder = ProvisioningResponder(firmwareVersion: "rampart-test 1.0")
    var crypto: SoftwareCrypto<HMACDRBG>
    var store: ProvisioningStore<TestFlash>
    let pages: TestFlashPages
    /// Set once `provision` succeeded (and cleared by a factory reset).
    var identity: ProvisionedIdentity? = nil

    init(seed: UInt8 = 7) {
        let entropy = [UInt8](repeating: seed, count: 32)
        crypto = SoftwareCrypto(random: HMACDRBG(entropy: entropy.span, nonce: [UInt8]().span,
                                                 personalization: [UInt8]().span))
        pages = TestFlashPages()
        store = ProvisioningStore(flash: TestFlash(pages))
    }

    /// Sends `message` and returns the answer (nil: none). A saved record becomes `identity`.
    mutating func send(_ message: ProvisioningMessage) throws -> ProvisioningMessage? {
        try send(bytes: TestProvisioning.encode(message))
    }

    mutating func send(bytes: [UInt8]) -> ProvisioningMessage? {
        var result: ProvisioningResult
        if let identity {
            result = responder.respondProvisioned(to: bytes.span, identity: identity, store: &store)
        } else {
            result = responder.respondUnprovisioned(to: bytes.span, crypto: &crypto, store: &store)
        }
        if let record = result.savedRecord.take() {
            identity = ProvisionedIdentity(record: record)
            record.destroy()
        }
        if result.didFactoryReset { identity = nil }
        // Every answer the device writes must be one the host can read.
        if let answer = result.answer {
            let encoded = try? TestProvisioning.encode(answer)
            #expect(encoded.flatMap { try? TestProvisioning.decode($0) } != nil)
        }
        return result.answer
    }
}

/// The host's side of an exchange, with the expected answers unpacked.
enum Host {
    static func offer(_ answer: ProvisioningMessage?) -> ProvisioningOffer? {
        guard case .offer(let offer)? = answer else { return nil }
        return offer
    }

    static func errorCode(_ answer: ProvisioningMessage?) -> UInt8? {
        guard case .error(_, let code, _)? = answer else { return nil }
        return code
    }

    static func gatewayCredential(_ suite: EDHOCCipherSuite) throws -> CredentialStorage {
        var crypto = try HostCrypto()
        let gateway = try TestIdentity(suite: suite, kid: [0x6A], subject: "gateway", crypto: &crypto)
        return try CredentialStorage(copying: gateway.ccs.span)
    }

    static func kid(_ bytes: [UInt8]) throws -> ProvisioningKeyID { try ProvisioningKeyID(copying: bytes.span) }
}

@Suite("Provisioning: the device's responder")
struct ProvisioningResponderTests {
    typealias T = TestProvisioning

    @Test("status on an unprovisioned board: state 0, the firmware and its suites, the nonce echoed")
    func statusUnprovisioned() throws {
        var harness = ResponderHarness()
        guard case .statusReport(let report)? = try harness.send(.status(nonce: T.nonce(9))) else {
            Issue.record("no status-report"); return
        }
        #expect(!report.isProvisioned && report.deviceID == nil)
        #expect(T.array(report.nonce) == T.array(T.nonce(9)))
        #expect(report.firmware.array == Array("rampart-test 1.0".utf8))
        #expect(report.suites == (try T.suites(0, 2)))
    }

    @Test("hello derives the key from the host seed and the board's randomness", arguments: [EDHOCCipherSuite.suite0, .suite2])
    func helloKeyDerivation(suite: EDHOCCipherSuite) throws {
        var harness = ResponderHarness(seed: 3)
        // The same DRBG, stepped beside the board's: what the board drew.
        var mirror = harness.crypto.random
        let seed = T.bytes32(0x5E)
        guard let offer = Host.offer(try harness.send(.hello(nonce: T.nonce(1), seed: seed, suite: suite.rawValue))) else {
            Issue.record("no offer"); return
        }
        let ikm = mirror.bytes32()
        var deviceID = DeviceIdentifier(repeating: 0)
        var span = deviceID.mutableSpan
        mirror.fill(&span)
        let prk = HKDF.extract(salt: seed.span, ikm: ikm.span)
        var key = Bytes32.zero
        var keySpan = key.mutableSpan
        let info = Array("rampart static key".utf8) + [UInt8(suite.rawValue), 0]
        try HKDF.expand(prk: prk.span, info: info.span, into: &keySpan)

        #expect(T.array(offer.deviceID) == T.array(deviceID))
        #expect(offer.suite == suite.rawValue)
        #expect(T.array(offer.nonce) == T.array(T.nonce(1)))
        #expect(offer.firmware.array == Array("rampart-test 1.0".utf8))
        if suite == .suite0 {
            #expect(T.array(offer.x) == T.array(X25519.publicKey(privateKey: key)))
            #expect(offer.y == nil)
        } else {
            let point = try P256.publicKey(privateKey: key)
            #expect(T.array(offer.x) == T.array(point.x))
            #expect(offer.y.map { T.array($0) } == T.array(point.y))
        }
        #expect(harness.responder.hasPendingKey == true)
        // Another seed, same board randomness: another key.
        var other = ResponderHarness(seed: 3)
        let otherOffer = Host.offer(try other.send(.hello(nonce: T.nonce(1), seed: T.bytes32(0x5F), suite: suite.rawValue)))
        #expect(otherOffer.map { T.array($0.x) } != T.array(offer.x))
        #expect(otherOffer.map { T.array($0.deviceID) } == T.array(offer.deviceID))
    }

    @Test("hello for a suite the firmware does not have: error 4")
    func helloUnsupportedSuite() throws {
        var harness = ResponderHarness()
        #expect(Host.errorCode(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(0), suite: 1))) == 4)
        #expect(Host.errorCode(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(0), suite: -1))) == 4)
        #expect(harness.responder.hasPendingKey == false)
    }

    @Test("provision: CRED_I carries the offered key and the kid, the record is saved, done answers")
    func provisionSucceeds() throws {
        var harness = ResponderHarness()
        guard let offer = Host.offer(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 2))) else {
            Issue.record("no offer"); return
        }
        let answer = try harness.send(.provision(nonce: T.nonce(1), keyID: try Host.kid([0x2B, 0x01]),
                                                 gatewayCredential: try Host.gatewayCredential(.suite2),
                                                 policy: ProvisioningPolicy(telemetryIntervalMilliseconds: 5000)))
        guard case .done(let nonce, let credentialBytes)? = answer else { Issue.record("no done: \(String(describing: answer))"); return }
        #expect(T.array(nonce) == T.array(T.nonce(1)))
        let credential = try EDHOCCredential(ccs: credentialBytes.span)
        #expect(credential.suite == .suite2)
        #expect(T.array(credential.publicKey) == T.array(offer.x))
        #expect(TestCoAP.array(credential.keyID.span) == [0x2B, 0x01])
        // The subject names the device-id in lower-case hex.
        let hex = (0..<8).map { String(offer.deviceID[$0], radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        let subject = Array(("rampart-" + hex).utf8)
        #expect(credentialBytes.array.starts(with: [0xA2, 0x02, 0x78, UInt8(subject.count)] + subject))
        #expect(harness.responder.hasPendingKey == false)
        #expect(harness.identity?.sequence == 1)
        #expect(harness.identity.map { T.array($0.deviceID) } == T.array(offer.deviceID))
        // The record is in flash, with the policy.
        guard let record = harness.store.load() else { Issue.record("no record"); return }
        #expect(record.policy.telemetryIntervalMilliseconds == 5000)
        #expect(record.deviceCredential.bytes.array == credentialBytes.array)
        record.destroy()
    }

    @Test("provision out of sequence: without hello, with another nonce (error 2); the pending key survives")
    func provisionOutOfSequence() throws {
        var harness = ResponderHarness()
        let gateway = try Host.gatewayCredential(.suite0)
        let provision = { (nonce: ProvisioningNonce) in
            ProvisioningMessage.provision(nonce: nonce, keyID: try Host.kid([1]), gatewayCredential: gateway,
                                          policy: ProvisioningPolicy())
        }
        #expect(Host.errorCode(try harness.send(try provision(T.nonce(1)))) == 2)
        _ = try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0))
        #expect(Host.errorCode(try harness.send(try provision(T.nonce(2)))) == 2)
        #expect(harness.responder.hasPendingKey == true)
        guard case .done? = try harness.send(try provision(T.nonce(1))) else { Issue.record("no done"); return }
    }

    @Test("a second hello replaces the pending key: the first nonce no longer provisions")
    func helloReplacesPending() throws {
        var harness = ResponderHarness()
        let first = Host.offer(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0)))
        let second = Host.offer(try harness.send(.hello(nonce: T.nonce(2), seed: T.bytes32(1), suite: 0)))
        #expect(first.map { T.array($0.deviceID) } != second.map { T.array($0.deviceID) })
        #expect(first.map { T.array($0.x) } != second.map { T.array($0.x) })
        let gateway = try Host.gatewayCredential(.suite0)
        #expect(Host.errorCode(try harness.send(.provision(nonce: T.nonce(1), keyID: try Host.kid([1]),
                                                           gatewayCredential: gateway, policy: ProvisioningPolicy()))) == 2)
        // An unsupported suite in a hello also drops the pending key.
        _ = try harness.send(.hello(nonce: T.nonce(3), seed: T.bytes32(1), suite: 1))
        #expect(harness.responder.hasPendingKey == false)
    }

    @Test("a CRED_R that is not a CCS, or for the other suite: error 6")
    func badGatewayCredential() throws {
        var harness = ResponderHarness()
        _ = try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0))
        let notCCS = try T.credential([0xA1, 0x01, 0x02])
        #expect(Host.errorCode(try harness.send(.provision(nonce: T.nonce(1), keyID: try Host.kid([1]),
                                                           gatewayCredential: notCCS, policy: ProvisioningPolicy()))) == 6)
        let p256 = try Host.gatewayCredential(.suite2)
        #expect(Host.errorCode(try harness.send(.provision(nonce: T.nonce(1), keyID: try Host.kid([1]),
                                                           gatewayCredential: p256, policy: ProvisioningPolicy()))) == 6)
        let pending = harness.responder.hasPendingKey
        #expect(pending && harness.identity == nil)
        #expect(harness.pages.isErased)
    }

    @Test("storage failure: error 5, nothing stored, the host can provision again")
    func storageFailure() throws {
        var harness = ResponderHarness()
        _ = try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 2))
        let provision = ProvisioningMessage.provision(nonce: T.nonce(1), keyID: try Host.kid([7]),
                                                      gatewayCredential: try Host.gatewayCredential(.suite2),
                                                      policy: ProvisioningPolicy())
        harness.pages.tearNextWriteAfter = 100
        #expect(Host.errorCode(try harness.send(provision)) == 5)
        #expect(harness.identity == nil && harness.store.loadsNothing() == true)
        harness.pages.flipBitInNextWrite = 200
        #expect(Host.errorCode(try harness.send(provision)) == 5)
        #expect(harness.identity == nil && harness.store.loadsNothing() == true)
        guard case .done? = try harness.send(provision) else { Issue.record("no done"); return }
        #expect(harness.identity?.sequence == 1)
    }

    @Test("a provisioned board: hello and provision get error 1, status reports it, factory reset needs its id")
    func provisioned() throws {
        var harness = ResponderHarness()
        guard let offer = Host.offer(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0))) else {
            Issue.record("no offer"); return
        }
        let gateway = try Host.gatewayCredential(.suite0)
        guard case .done(_, let credential)? = try harness.send(.provision(
            nonce: T.nonce(1), keyID: try Host.kid([0x2B]), gatewayCredential: gateway, policy: ProvisioningPolicy()))
        else { Issue.record("no done"); return }

        #expect(Host.errorCode(try harness.send(.hello(nonce: T.nonce(2), seed: T.bytes32(1), suite: 0))) == 1)
        #expect(Host.errorCode(try harness.send(.provision(nonce: T.nonce(2), keyID: try Host.kid([1]),
                                                           gatewayCredential: gateway, policy: ProvisioningPolicy()))) == 1)
        guard case .statusReport(let report)? = try harness.send(.status(nonce: T.nonce(3))) else {
            Issue.record("no status-report"); return
        }
        #expect(report.isProvisioned && report.sequence == 1)
        #expect(report.deviceID.map { T.array($0) } == T.array(offer.deviceID))
        #expect(report.keyID.array == [0x2B] && report.credential.array == credential.array)

        #expect(Host.errorCode(try harness.send(.factoryReset(nonce: T.nonce(4), deviceID: DeviceIdentifier(repeating: 0))))
            == 7)
        #expect(harness.identity != nil && !harness.pages.isErased)
        guard case .resetDone(let nonce)? = try harness.send(.factoryReset(nonce: T.nonce(5), deviceID: offer.deviceID)) else {
            Issue.record("no reset-done"); return
        }
        #expect(T.array(nonce) == T.array(T.nonce(5)))
        #expect(harness.identity == nil && harness.pages.isErased)
        // Unprovisioned again: a new hello works.
        #expect(Host.offer(try harness.send(.hello(nonce: T.nonce(6), seed: T.bytes32(1), suite: 0))) != nil)
    }

    @Test("factory reset on an unprovisioned board: only the pending device-id")
    func factoryResetUnprovisioned() throws {
        var harness = ResponderHarness()
        #expect(Host.errorCode(try harness.send(.factoryReset(nonce: T.nonce(1), deviceID: DeviceIdentifier(repeating: 0))))
            == 7)
        guard let offer = Host.offer(try harness.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0))) else {
            Issue.record("no offer"); return
        }
        guard case .resetDone? = try harness.send(.factoryReset(nonce: T.nonce(2), deviceID: offer.deviceID)) else {
            Issue.record("no reset-done"); return
        }
        #expect(harness.responder.hasPendingKey == false)
    }

    @Test("malformed input: error 3, with the nonce when it can be read, zeros otherwise")
    func malformed() throws {
        var harness = ResponderHarness()
        guard case .error(let nonce, let code, _)? = harness.send(bytes: [0x82, 0x06]) else {
            Issue.record("no error"); return
        }
        #expect(code == 3 && T.array(nonce) == [UInt8](repeating: 0, count: 8))
        let unknownType: [UInt8] = [0x82, 0x0A, 0x48, 1, 2, 3, 4, 5, 6, 7, 8]
        guard case .error(let echoed, let unknownCode, _)? = harness.send(bytes: unknownType) else {
            Issue.record("no error"); return
        }
        #expect(unknownCode == 3 && T.array(echoed) == [1, 2, 3, 4, 5, 6, 7, 8])
        // Trailing bytes after a valid status.
        #expect(Host.errorCode(harness.send(bytes: try T.encode(.status(nonce: T.nonce(1))) + [0]) ) == 3)
    }

    @Test("device messages sent to the device: error 2; an error is not answered")
    func deviceMessagesToDevice() throws {
        var harness = ResponderHarness()
        #expect(Host.errorCode(try harness.send(.resetDone(nonce: T.nonce(1)))) == 2)
        #expect(Host.errorCode(try harness.send(.done(nonce: T.nonce(1), credential: CredentialStorage()))) == 2)
        #expect(try harness.send(.error(nonce: T.nonce(1), code: 3, diagnostic: ProvisioningText())) == nil)
    }
}

/// SoftwareCrypto whose P-256 rejects the first `rejections` private keys, as if they were
/// not scalars in [1, n-1]: the responder's retry with the next HKDF counter.
struct RejectingCrypto: CryptoProvider {
    final class Count { var rejections: Int; var seen: [Bytes32] = []; init(_ n: Int) { rejections = n } }
    var base: SoftwareCrypto<HMACDRBG>
    let count: Count

    func sha256(_ message: Span<UInt8>) -> Bytes32 { base.sha256(message) }
    func hmacSHA256(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32 { base.hmacSHA256(key: key, message: message) }
    func hkdfExtract(salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32 { base.hkdfExtract(salt: salt, ikm: ikm) }
    func hkdfExpand(prk: Span<UInt8>, info: Span<UInt8>, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        try base.hkdfExpand(prk: prk, info: info, into: &output)
    }
    func aesCCMSeal(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, plaintext: Span<UInt8>, tagLength: Int,
                    into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        try base.aesCCMSeal(key: key, nonce: nonce, aad: aad, plaintext: plaintext, tagLength: tagLength, into: &output)
    }
    func aesCCMOpen(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>, tagLength: Int,
                    into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        try base.aesCCMOpen(key: key, nonce: nonce, aad: aad, ciphertextAndTag: ciphertextAndTag, tagLength: tagLength,
                            into: &output)
    }
    func x25519PublicKey(privateKey: Bytes32) -> Bytes32 { base.x25519PublicKey(privateKey: privateKey) }
    func x25519(privateKey: Bytes32, publicKey: Bytes32) throws(CryptoError) -> Bytes32 {
        try base.x25519(privateKey: privateKey, publicKey: publicKey)
    }
    func p256PublicKey(privateKey: Bytes32) throws(CryptoError) -> (x: Bytes32, y: Bytes32) {
        count.seen.append(privateKey)
        if count.rejections > 0 {
            count.rejections -= 1
            throw .invalidPrivateKey
        }
        return try base.p256PublicKey(privateKey: privateKey)
    }
    func p256ECDH(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32 {
        try base.p256ECDH(privateKey: privateKey, publicKeyX: publicKeyX)
    }
    mutating func fillRandom(_ buffer: inout MutableSpan<UInt8>) { base.fillRandom(&buffer) }
}

@Suite("Provisioning: P-256 key generation retries")
struct ProvisioningKeyRetryTests {
    typealias T = TestProvisioning

    @Test("a rejected P-256 scalar is replaced by the next HKDF counter's; too many rejections: error 2")
    func retries() throws {
        let drbg = HMACDRBG(entropy: [UInt8](repeating: 4, count: 32).span, nonce: [UInt8]().span,
                            personalization: [UInt8]().span)
        var crypto = RejectingCrypto(base: SoftwareCrypto(random: drbg), count: .init(2))
        var mirror = drbg
        var responder = ProvisioningResponder(firmwareVersion: "")
        var store = ProvisioningStore(flash: TestFlash())
        let seed = T.bytes32(9)
        let hello = try T.encode(.hello(nonce: T.nonce(1), seed: seed, suite: 2))
        let result = responder.respondUnprovisioned(to: hello.span, crypto: &crypto, store: &store)
        guard case .offer(let offer)? = result.answer else { Issue.record("no offer"); return }
        #expect(offer.firmware.array == Array("unknown".utf8))
        // Three candidates tried: counters 0, 1 (rejected) and 2 (kept), all different.
        #expect(crypto.count.seen.count == 3)
        #expect(Set(crypto.count.seen.map { T.array($0) }).count == 3)
        let ikm = mirror.bytes32()
        let prk = HKDF.extract(salt: seed.span, ikm: ikm.span)
        var key = Bytes32.zero
        var span = key.mutableSpan
        try HKDF.expand(prk: prk.span, info: (Array("rampart static key".utf8) + [2, 2]).span, into: &span)
        #expect(T.array(offer.x) == T.array(try P256.publicKey(privateKey: key).x))

        crypto.count.rejections = 100
        let again = responder.respondUnprovisioned(to: hello.span, crypto: &crypto, store: &store)
        #expect(Host.errorCode(again.answer) == 2)
        #expect(responder.hasPendingKey == false)
    }
}

// HostCrypto and the device's SoftwareCrypto driven through the same generic code: the same
// inputs must give the same outputs and the same errors, and both must meet the standards'
// known answers.
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("CryptoProvider: HostCrypto vs SoftwareCrypto")
struct ProviderDifferentialTests {
    static let caseCount = 500
    /// P-256 costs a few device scalar multiplications per case; run it on one case in this many.
    static let p256CaseInterval = 3

    static func softwareCrypto() -> SoftwareCrypto<HMACDRBG> {
        let seed = [UInt8](repeating: 0x5A, count: 48)
        return SoftwareCrypto(random: HMACDRBG(entropy: seed.span, nonce: seed.span.extracting(0..<16),
                                               personalization: [UInt8]().span))
    }

    @Test func sameOutputsAndErrors() throws {
        var host = try HostCrypto()
        var software = Self.softwareCrypto()
        let hostTranscript = exercise(&host)
        let softwareTranscript = exercise(&software)
        try #require(hostTranscript.count == softwareTranscript.count)
        if let first = hostTranscript.indices.first(where: { hostTranscript[$0] != softwareTranscript[$0] }) {
            Issue.record("""
                first difference at entry \(first), RAMPART_TEST_SEED=0x\(String(TestRandom.baseSeed, radix: 16))
                HostCrypto:     \(hostTranscript[first])
                SoftwareCrypto: \(softwareTranscript[first])
                """)
        }
        // The transcript must cover both outcomes of every fallible operation.
        let text = hostTranscript.joined(separator: "\n")
        for expected in ["invalidLength", "limitExceeded", "authenticationFailed", "weakSharedSecret",
                         "invalidPrivateKey", "invalidPublicKey", "ccmOpen ok", "p256ECDH ok"] {
            #expect(text.contains(expected), "transcript never reached \(expected)")
        }
    }

    @Test func hostMeetsKnownAnswers() throws {
        try checkKnownAnswers(HostCrypto())
    }

    @Test func softwareMeetsKnownAnswers() throws {
        try checkKnownAnswers(Self.softwareCrypto())
    }

    @Test func hostRandomIsFresh() throws {
        var host = try HostCrypto()
        let first = bytesFilled(32) { host.fillRandom(&$0) }
        let second = bytesFilled(32) { host.fillRandom(&$0) }
        #expect(first != second)
    }
}

/// Runs every `CryptoProvider` operation on inputs drawn from one seeded stream (the same for
/// every provider) and returns one line per result: the output in hex, or the error thrown.
/// Invalid inputs are drawn on purpose: bad lengths, tampered ciphertexts, small-order X25519
/// keys, out-of-range P-256 scalars and x-coordinates off the curve.
func exercise<P: CryptoProvider>(_ provider: inout P) -> [String] {
    var random = TestRandom("provider")
    var lines: [String] = []
    func record(_ name: String, _ body: () throws(CryptoError) -> [UInt8]) {
        do { lines.append("\(name) ok \(try body().hex)") } catch { lines.append("\(name) error \(error)") }
    }

    for index in 0..<ProviderDifferentialTests.caseCount {
        let message = random.bytes(random.length(upTo: 300, boundaries: [0, 55, 56, 64]))
        let key = random.bytes(random.length(upTo: 100, boundaries: [0, 64, 65]))
        lines.append("case \(index)")
        record("sha256") { provider.sha256(message.span).array }
        record("hmacSHA256") { provider.hmacSHA256(key: key.span, message: message.span).array }

        // HKDF, with a PRK shorter than HashLen or an L over 255 × 32 now and then.
        let prk = provider.hkdfExtract(salt: key.span, ikm: message.span)
        record("hkdfExtract") { prk.array }
        let prkBytes = index % 17 == 5 ? Array(prk.array.prefix(31)) : prk.array
        let outputCount = index % 13 == 7 ? 255 * 32 + 1 : random.length(upTo: 200, boundaries: [0, 32, 33])
        record("hkdfExpand") { () throws(CryptoError) -> [UInt8] in
            try bytesFilled(outputCount) { (output) throws(CryptoError) in
                try provider.hkdfExpand(prk: prkBytes.span, info: message.span.extracting(0..<min(message.count, 40)),
                                        into: &output)
            }
        }

        // AES-CCM, with invalid tag and nonce lengths now and then, then opened and tampered.
        let aesKey = random.bytes16()
        let nonce = random.bytes([6, 7, 10, 13, 13, 13, 14].randomElement(using: &random)!)
        let tagLength = [3, 4, 8, 8, 8, 16, 17, 5].randomElement(using: &random)!
        let aad = random.bytes(random.length(upTo: 80, boundaries: [0]))
        let plaintext = random.bytes(random.length(upTo: 200, boundaries: [0, 16]))
        let sealedCount = plaintext.count + max(tagLength, 0) - (index % 19 == 3 ? 1 : 0)
        var sealed: [UInt8] = []
        record("ccmSeal") { () throws(CryptoError) -> [UInt8] in
            sealed = try bytesFilled(sealedCount) { (output) throws(CryptoError) in
                try provider.aesCCMSeal(key: aesKey, nonce: nonce.span, aad: aad.span, plaintext: plaintext.span,
                                        tagLength: tagLength, into: &output)
            }
            return sealed
        }
        if !sealed.isEmpty {
            record("ccmOpen") { () throws(CryptoError) -> [UInt8] in
                try bytesFilled(plaintext.count) { (output) throws(CryptoError) in
                    try provider.aesCCMOpen(key: aesKey, nonce: nonce.span, aad: aad.span, ciphertextAndTag: sealed.span,
                                            tagLength: tagLength, into: &output)
                }
            }
            var tampered = sealed
            tampered[Int.random(in: 0..<tampered.count, using: &random)] ^= 0x10
            record("ccmOpen tampered") { () throws(CryptoError) -> [UInt8] in
                try bytesFilled(plaintext.count) { (output) throws(CryptoError) in
                    try provider.aesCCMOpen(key: aesKey, nonce: nonce.span, aad: aad.span, ciphertextAndTag: tampered.span,
                                            tagLength: tagLength, into: &output)
                }
            }
        }

        // X25519, with a small-order peer (u = 0 or 1, possibly with bit 255) now and then.
        let x25519Private = random.bytes32()
        var x25519Peer = random.bytes32()
        if index % 11 == 4 {
            x25519Peer = .zero
            x25519Peer[0] = UInt8(index & 1)
            x25519Peer[31] = index & 2 == 0 ? 0 : 0x80
        }
        record("x25519PublicKey") { provider.x25519PublicKey(privateKey: x25519Private).array }
        record("x25519") { () throws(CryptoError) -> [UInt8] in try provider.x25519(privateKey: x25519Private, publicKey: x25519Peer).array }

        // P-256 on every few cases: a zero or all-ones scalar, and random x (about half are
        // not on the curve), now and then.
        guard index % ProviderDifferentialTests.p256CaseInterval == 0 else { continue }
        var p256Private = random.bytes32()
        if index % 21 == 9 { p256Private = Bytes32(repeating: index & 1 == 0 ? 0 : 0xff) }
        let peerPrivate = random.bytes32()
        let randomX = random.bytes32()
        record("p256PublicKey") { () throws(CryptoError) -> [UInt8] in
            let key = try provider.p256PublicKey(privateKey: p256Private)
            return key.x.array + key.y.array
        }
        let peerX = index % 2 == 0 ? randomX : ((try? provider.p256PublicKey(privateKey: peerPrivate))?.x ?? .zero)
        record("p256ECDH") { () throws(CryptoError) -> [UInt8] in try provider.p256ECDH(privateKey: p256Private, publicKeyX: peerX).array }
    }

    let randomBytes = bytesFilled(64) { provider.fillRandom(&$0) }
    lines.append("fillRandom nonzero \(randomBytes.contains { $0 != 0 })")
    return lines
}

/// The standards' own answers, through any provider.
func checkKnownAnswers<P: CryptoProvider>(_ provider: P) throws {
    let name = String(describing: P.self)

    for vector in try VectorFile.records("SHA256ShortMsg.rsp") {
        guard let length = vector["Len"].flatMap({ Int($0) }), let msg = vector["Msg"], let md = vector["MD"] else { continue }
        let message = length == 0 ? [] : hexBytes(msg)
        let digest = provider.sha256(message.span).array.hex
        #expect(digest == md, "\(name) SHA-256 Len \(length)")
    }

    for vector in try VectorFile.records("rfc4231-hmac-sha256.txt") {
        let key = hexBytes(try #require(vector["Key"]))
        let data = hexBytes(try #require(vector["Data"]))
        let macLength = try #require(vector["MACLen"].flatMap { Int($0) })
        let mac = provider.hmacSHA256(key: key.span, message: data.span).array.prefix(macLength)
        #expect(mac.hex == vector["HMAC-SHA-256"], "\(name) RFC 4231 case \(vector["COUNT"] ?? "?")")
    }

    for vector in try VectorFile.records("rfc5869-hkdf-sha256.txt") {
        let salt = hexBytes(vector["salt"] ?? "")
        let ikm = hexBytes(try #require(vector["IKM"]))
        let prk = provider.hkdfExtract(salt: salt.span, ikm: ikm.span)
        #expect(prk.array.hex == vector["PRK"], "\(name) RFC 5869 case \(vector["COUNT"] ?? "?") PRK")
        let length = try #require(vector["L"].flatMap { Int($0) })
        let info = hexBytes(vector["info"] ?? "")
        let okm = try bytesFilled(length) { (output) throws(CryptoError) in
            try provider.hkdfExpand(prk: prk.span, info: info.span, into: &output)
        }
        #expect(okm.hex == vector["OKM"], "\(name) RFC 5869 case \(vector["COUNT"] ?? "?") OKM")
    }

    var x25519Vectors = 0
    for vector in try VectorFile.records("rfc7748-x25519.txt") {
        if let scalar = vector["Scalar"], let u = vector["UCoordinate"], let output = vector["Output"] {
            let shared = try provider.x25519(privateKey: Bytes32(hex: scalar), publicKey: Bytes32(hex: u))
            #expect(shared.array.hex == output, "\(name) RFC 7748 §5.2")
            x25519Vectors += 1
        }
        if let alice = vector["AlicePrivate"], let bob = vector["BobPrivate"] {
            let alicePublic = provider.x25519PublicKey(privateKey: Bytes32(hex: alice)).array.hex
            let bobPublic = provider.x25519PublicKey(privateKey: Bytes32(hex: bob)).array.hex
            #expect(alicePublic == vector["AlicePublic"], "\(name) RFC 7748 §6.1")
            #expect(bobPublic == vector["BobPublic"], "\(name) RFC 7748 §6.1")
            let shared = try provider.x25519(privateKey: Bytes32(hex: alice), publicKey: Bytes32(hex: try #require(vector["BobPublic"])))
            #expect(shared.array.hex == vector["Shared"], "\(name) RFC 7748 §6.1")
            x25519Vectors += 1
        }
    }
    #expect(x25519Vectors == 3)

    // NIST CAVP KAS ECC CDH: Z from d_IUT and the peer's x alone (the y is not needed).
    let p256Vectors = try VectorFile.records("KAS_ECC_CDH_PrimitiveTest_P256.txt")
    #expect(p256Vectors.count == 25)
    for vector in p256Vectors {
        let d = Bytes32(hex: try #require(vector["dIUT"]))
        let publicKey = try provider.p256PublicKey(privateKey: d)
        #expect(publicKey.x.array.hex == vector["QIUTx"], "\(name) CAVP COUNT \(vector["COUNT"] ?? "?")")
        #expect(publicKey.y.array.hex == vector["QIUTy"], "\(name) CAVP COUNT \(vector["COUNT"] ?? "?")")
        let z = try provider.p256ECDH(privateKey: d, publicKeyX: Bytes32(hex: try #require(vector["QCAVSx"])))
        #expect(z.array.hex == vector["ZIUT"], "\(name) CAVP COUNT \(vector["COUNT"] ?? "?")")
    }
}

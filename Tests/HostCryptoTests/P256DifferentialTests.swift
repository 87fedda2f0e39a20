// The device's P-256 against swift-crypto's P256.KeyAgreement (BoringSSL) on random and edge
// inputs.
import Crypto
import RampartCrypto
import Testing

@Suite("P-256: device vs swift-crypto")
struct P256DifferentialTests {
    static let caseCount = 250

    /// The group order n and the field prime p (SP 800-186 §3.2.1.3), big-endian.
    static let order = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
    static let prime = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"

    typealias Reference = Crypto.P256.KeyAgreement

    @Test func publicKeyAndECDHMatchSwiftCrypto() throws {
        var random = TestRandom("p256")
        for index in 0..<Self.caseCount {
            let d1 = random.bytes32()
            let d2 = random.bytes32()
            let context = "d1 \(d1.array.hex) d2 \(d2.array.hex) \(random.context(index))"
            let reference1 = try Reference.PrivateKey(rawRepresentation: d1.array)
            let reference2 = try Reference.PrivateKey(rawRepresentation: d2.array)
            let referenceShared = try reference1.sharedSecretFromKeyAgreement(with: reference2.publicKey)
                .withUnsafeBytes { Array($0) }

            let public1 = try RampartCrypto.P256.publicKey(privateKey: d1)
            let public2 = try RampartCrypto.P256.publicKey(privateKey: d2)
            try #require(public1.x.array + public1.y.array == Array(reference1.publicKey.rawRepresentation), "\(context)")
            try #require(public2.x.array + public2.y.array == Array(reference2.publicKey.rawRepresentation), "\(context)")

            // swift-crypto's encodings decode to the same point on the device.
            let peer2 = try RampartCrypto.P256.decodePublicKey(sec1: Array(reference2.publicKey.x963Representation).span)
            let peer1 = try RampartCrypto.P256.decodePublicKey(sec1: Array(reference1.publicKey.compressedRepresentation).span)
            try #require(peer2.x.array + peer2.y.array == public2.x.array + public2.y.array, "x963 \(context)")
            try #require(peer1.x.array + peer1.y.array == public1.x.array + public1.y.array, "compressed \(context)")

            // ECDH both ways, and with the x-coordinate only (RFC 9528 §3.7).
            try #require(RampartCrypto.P256.ecdh(privateKey: d1, publicKey: peer2).array == referenceShared, "\(context)")
            try #require(RampartCrypto.P256.ecdh(privateKey: d2, publicKey: peer1).array == referenceShared, "\(context)")
            try #require(RampartCrypto.P256.ecdh(privateKey: d1, publicKeyX: public2.x).array == referenceShared, "\(context)")
            try #require(RampartCrypto.P256.ecdh(privateKey: d2, publicKeyX: public1.x).array == referenceShared, "\(context)")
        }
    }

    /// Private keys at the ends of [1, n − 1] and just outside it: both accept the same ones
    /// and derive the same public keys.
    @Test func privateKeyRangeMatchesSwiftCrypto() throws {
        let n = hexBytes(Self.order)
        let candidates: [(String, [UInt8])] = [
            ("0", [UInt8](repeating: 0, count: 32)),
            ("1", [UInt8](repeating: 0, count: 31) + [1]),
            ("2", [UInt8](repeating: 0, count: 31) + [2]),
            ("n - 1", subtracting(1, from: n)),
            ("n - 2", subtracting(2, from: n)),
            ("n", n),
            ("n + 1", adding(1, to: n)),
            ("2^255", [0x80] + [UInt8](repeating: 0, count: 31)),
            ("2^256 - 1", [UInt8](repeating: 0xff, count: 32)),
        ]
        for (name, d) in candidates {
            let reference = try? Reference.PrivateKey(rawRepresentation: d)
            #expect(RampartCrypto.P256.isValidPrivateKey(Bytes32(d)) == (reference != nil), "d = \(name)")
            let device = try? RampartCrypto.P256.publicKey(privateKey: Bytes32(d))
            #expect(device.map { $0.x.array + $0.y.array } == reference.map { Array($0.publicKey.rawRepresentation) },
                    "d = \(name)")
        }
        #expect(RampartCrypto.P256.isValidPrivateKey(Bytes32(subtracting(1, from: n))))
        #expect(!RampartCrypto.P256.isValidPrivateKey(Bytes32(n)))
    }

    /// Scalars with structure random ones almost never have (small, just below n, powers of two
    /// and their neighbours, long runs of ones), where a windowed multiplication meets its
    /// exceptional additions; each also in ECDH with a peer that is a small multiple of G.
    @Test func structuredScalarsMatchSwiftCrypto() throws {
        let n = hexBytes(Self.order)
        var scalars: [[UInt8]] = []
        for k: UInt8 in 1...24 {
            scalars.append([UInt8](repeating: 0, count: 31) + [k])
            scalars.append(subtracting(k, from: n))
        }
        for bit in stride(from: 3, to: 256, by: 9) {
            var power = [UInt8](repeating: 0, count: 32)
            power[31 - bit / 8] = 1 << UInt8(bit % 8)
            scalars.append(power)
            scalars.append(subtracting(1, from: power))
            scalars.append(adding(1, to: power))
        }
        scalars.append([0x7f] + [UInt8](repeating: 0xff, count: 31))
        scalars.append([UInt8](repeating: 0x55, count: 32))
        scalars.append([UInt8](repeating: 0xaa, count: 32))

        for (index, d) in scalars.enumerated() {
            let context = "d \(d.hex), case \(index)"
            let reference = try Reference.PrivateKey(rawRepresentation: d)
            let device = try RampartCrypto.P256.publicKey(privateKey: Bytes32(d))
            try #require(device.x.array + device.y.array == Array(reference.publicKey.rawRepresentation), "\(context)")

            let peerScalar = [UInt8](repeating: 0, count: 31) + [UInt8(index % 5 + 1)]
            let peer = try Reference.PrivateKey(rawRepresentation: peerScalar).publicKey
            let referenceShared = try reference.sharedSecretFromKeyAgreement(with: peer).withUnsafeBytes { Array($0) }
            let peerX = Bytes32(Array(Array(peer.rawRepresentation)[0..<32]))
            let deviceShared = try RampartCrypto.P256.ecdh(privateKey: Bytes32(d), publicKeyX: peerX)
            try #require(deviceShared.array == referenceShared, "peer \(index % 5 + 1)·G, \(context)")
        }
    }

    /// Random x-coordinates (about half are on the curve) and edge ones: both decompress the
    /// same ones to the same even-y point, and agree on the shared secret.
    @Test func xOnlyPeerKeysMatchSwiftCrypto() throws {
        var random = TestRandom("p256-x-only")
        let p = hexBytes(Self.prime)
        let edges: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32),          // x = 0 is on the curve
            [UInt8](repeating: 0, count: 31) + [1],    // x = 1 is not
            [UInt8](repeating: 0, count: 31) + [5],    // x = 5 is
            subtracting(1, from: p),
            p,                                         // ≡ 0, but not below p
            adding(5, to: p),                          // ≡ 5, but not below p
            adding(6, to: p),
            [UInt8](repeating: 0xff, count: 32),
        ]
        let d = random.bytes32()
        let reference = try Reference.PrivateKey(rawRepresentation: d.array)
        var accepted = 0
        for index in 0..<(Self.caseCount * 2 + edges.count) {
            let x = index < edges.count ? edges[index] : random.bytes(32)
            let context = "x \(x.hex) d \(d.array.hex) \(random.context(index))"
            let referencePeer = try? Reference.PublicKey(compressedRepresentation: [0x02] + x)
            let devicePeer = try? RampartCrypto.P256.publicKey(x: Bytes32(x), yIsOdd: false)
            try #require((devicePeer != nil) == (referencePeer != nil), "validity, \(context)")
            let referenceOddPeer = try? Reference.PublicKey(compressedRepresentation: [0x03] + x)
            let deviceOddPeer = try? RampartCrypto.P256.publicKey(x: Bytes32(x), yIsOdd: true)
            try #require(deviceOddPeer.map { $0.x.array + $0.y.array } == referenceOddPeer.map { Array($0.rawRepresentation) },
                         "odd y, \(context)")
            let deviceShared = try? RampartCrypto.P256.ecdh(privateKey: d, publicKeyX: Bytes32(x))
            guard let referencePeer, let devicePeer else {
                try #require(deviceShared == nil, "\(context)")
                continue
            }
            accepted += 1
            try #require(devicePeer.x.array + devicePeer.y.array == Array(referencePeer.rawRepresentation), "\(context)")
            let referenceShared = try reference.sharedSecretFromKeyAgreement(with: referencePeer).withUnsafeBytes { Array($0) }
            try #require(deviceShared?.array == referenceShared, "\(context)")
        }
        // Guard against a generator that never reaches the interesting branch.
        #expect(accepted > Self.caseCount / 2)
    }

    /// Uncompressed points off the curve, or with a coordinate not below p, are refused by both.
    @Test func invalidUncompressedPointsAreRejectedByBoth() throws {
        var random = TestRandom("p256-invalid-x963")
        for index in 0..<Self.caseCount {
            let d = random.bytes32()
            let reference = try Reference.PrivateKey(rawRepresentation: d.array)
            var encoded = Array(reference.publicKey.x963Representation)
            // Flip one bit of x or y: the point leaves the curve.
            let bit = Int.random(in: 8..<(65 * 8), using: &random)
            encoded[bit / 8] ^= 1 << (bit % 8)
            let context = "sec1 \(encoded.hex) \(random.context(index))"
            #expect((try? Reference.PublicKey(x963Representation: encoded)) == nil, "\(context)")
            #expect(throws: CryptoError.invalidPublicKey, "\(context)") {
                try RampartCrypto.P256.decodePublicKey(sec1: encoded.span)
            }
        }
        // (5 + p, y) is the point (5, y) with a non-canonical x (SEC 1 §2.3.4 requires x < p).
        let five = [UInt8](repeating: 0, count: 31) + [5]
        let point = try Reference.PublicKey(compressedRepresentation: [0x02] + five)
        let y = Array(Array(point.rawRepresentation)[32..<64])
        let canonical = [0x04] + five + y
        let nonCanonical = [0x04] + adding(5, to: hexBytes(Self.prime)) + y
        #expect((try? Reference.PublicKey(x963Representation: canonical)) != nil)
        let decodedCanonical = try? RampartCrypto.P256.decodePublicKey(sec1: canonical.span)
        #expect(decodedCanonical != nil)
        #expect((try? Reference.PublicKey(x963Representation: nonCanonical)) == nil)
        let decodedNonCanonical = Result { () throws(CryptoError) in try RampartCrypto.P256.decodePublicKey(sec1: nonCanonical.span) }
        #expect(throws: CryptoError.invalidPublicKey) { try decodedNonCanonical.get() }
    }
}

/// a + b as 32-byte big-endian numbers; 33 bytes if it carries out.
func adding(_ a: [UInt8], to b: [UInt8]) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: 32)
    var carry = 0
    for i in (0..<32).reversed() {
        let sum = Int(a[i]) + Int(b[i]) + carry
        result[i] = UInt8(sum & 0xff)
        carry = sum >> 8
    }
    return carry == 0 ? result : [1] + result
}

func adding(_ small: UInt8, to b: [UInt8]) -> [UInt8] {
    adding([UInt8](repeating: 0, count: 31) + [small], to: b)
}

/// b − small as a 32-byte big-endian number (b ≥ small).
func subtracting(_ small: UInt8, from b: [UInt8]) -> [UInt8] {
    var result = b
    var borrow = Int(small)
    for i in (0..<32).reversed() where borrow != 0 {
        let difference = Int(result[i]) - borrow
        result[i] = UInt8((difference + 256) & 0xff)
        borrow = difference < 0 ? 1 : 0
    }
    return result
}

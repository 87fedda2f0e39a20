// P-256 key generation and ECDH against NIST CAVP ECC CDH and Wycheproof, plus the
// validation rules of SEC 1 §3.2.2.1 exercised one by one.
import Foundation
import RampartCrypto
import Testing

private let cavpFile = "KAS_ECC_CDH_PrimitiveTest_P256.txt"
private let wycheproofFile = "wycheproof_ecdh_secp256r1_ecpoint_test.json"

/// n, the group order (SP 800-186 §3.2.1.3).
private let orderHex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
/// p, the field prime.
private let primeHex = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
/// G, the base point.
private let generatorXHex = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
private let generatorYHex = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"

private func bytes32(_ hex: String) -> Bytes32 { Bytes32(hexBytes(hex)) }

/// A big-endian integer of at most 32 significant bytes, left-padded to 32 (Wycheproof
/// writes private keys with a sign byte or without leading zeros).
private func paddedBytes32(_ hex: String) -> Bytes32 {
    var bytes = hexBytes(hex)
    while bytes.count > 32, bytes.first == 0 { bytes.removeFirst() }
    precondition(bytes.count <= 32, "scalar wider than 256 bits: \(hex)")
    return Bytes32([UInt8](repeating: 0, count: 32 - bytes.count) + bytes)
}

private func decode(_ bytes: [UInt8]) throws(CryptoError) -> P256.PublicKey {
    try bytes.withUnsafeBufferPointer { (buffer) throws(CryptoError) -> P256.PublicKey in
        try P256.decodePublicKey(sec1: Span(_unsafeElements: buffer))
    }
}

private func uncompressed(_ key: P256.PublicKey) -> [UInt8] { [0x04] + key.x.array + key.y.array }

private func compressed(_ key: P256.PublicKey) -> [UInt8] {
    [key.y.array[31] & 1 == 1 ? 0x03 : 0x02] + key.x.array
}

/// The error a throwing call produced, nil when it returned.
private func error<T>(_ body: () throws(CryptoError) -> T) -> CryptoError? {
    do { _ = try body(); return nil } catch { return error }
}

/// Replays a fixed list of 32-byte draws, counting them.
private struct ScriptedRandom: RandomSource {
    var draws: [[UInt8]]
    var used = 0
    mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        let draw = draws[used]
        used += 1
        for i in 0..<buffer.count { buffer[i] = draw[i] }
    }
}

/// A deterministic byte stream (xorshift64*) for keys in round-trip tests; not a vector.
private struct TestStream: RandomSource {
    var state: UInt64
    mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            buffer[i] = UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
    }
}

@Suite struct P256Tests {
    // MARK: NIST CAVP ECC CDH primitive (SP 800-56A §5.7.1.2), P-256

    @Test func cavpECCCDH() throws {
        let records = try VectorFiles.cavpRecords(cavpFile).filter { $0["[section]"] == "P-256" && $0["ZIUT"] != nil }
        #expect(records.count == 25)
        for record in records {
            let count = record["COUNT"]!
            let d = bytes32(record["dIUT"]!)
            let peerX = hexBytes(record["QCAVSx"]!), peerY = hexBytes(record["QCAVSy"]!)
            let z = hexBytes(record["ZIUT"]!)

            let own = try P256.publicKey(privateKey: d)
            #expect(own.x.array == hexBytes(record["QIUTx"]!), "COUNT \(count) QIUTx")
            #expect(own.y.array == hexBytes(record["QIUTy"]!), "COUNT \(count) QIUTy")

            let peer = try decode([0x04] + peerX + peerY)
            #expect(peer.x.array == peerX && peer.y.array == peerY)
            #expect(try P256.ecdh(privateKey: d, publicKey: peer).array == z, "COUNT \(count) ZIUT")
            #expect(try P256.ecdh(privateKey: d, publicKeyX: Bytes32(peerX)).array == z, "COUNT \(count) x-only")

            // Decompression recovers the vector's y from its parity.
            let recovered = try decode(compressed(peer))
            #expect(recovered.y.array == peerY, "COUNT \(count) decompression")
        }
    }

    // MARK: Wycheproof ecdh_secp256r1_ecpoint_test

    private struct WycheproofFile: Decodable {
        struct Group: Decodable { let curve: String; let encoding: String; let tests: [Case] }
        struct Case: Decodable {
            let tcId: Int, comment: String, flags: [String]
            let `public`: String, `private`: String, shared: String, result: String
        }
        let numberOfTests: Int
        let testGroups: [Group]
    }

    @Test func wycheproofECPoint() throws {
        let file = try JSONDecoder().decode(WycheproofFile.self, from: VectorFiles.data(wycheproofFile))
        let cases = file.testGroups.flatMap(\.tests)
        #expect(cases.count == file.numberOfTests && cases.count == 355)
        #expect(file.testGroups.allSatisfy { $0.curve == "secp256r1" && $0.encoding == "ecpoint" })
        var checked = (valid: 0, acceptable: 0, invalid: 0)
        for c in cases {
            let label = "tcId \(c.tcId) \(c.comment) \(c.flags)"
            let d = paddedBytes32(c.private)
            let encoded = hexBytes(c.public)
            switch c.result {
            case "valid", "acceptable":
                // The only "acceptable" case is a compressed point, which this API accepts.
                let peer = try decode(encoded)
                let shared = try P256.ecdh(privateKey: d, publicKey: peer)
                #expect(shared.array == hexBytes(c.shared), "\(label)")
                let xOnly = try P256.ecdh(privateKey: d, publicKeyX: peer.x)
                #expect(xOnly.array == hexBytes(c.shared), "\(label) x-only")
                if c.result == "valid" { checked.valid += 1 } else { checked.acceptable += 1 }
            case "invalid":
                let failure = error { () throws(CryptoError) in try decode(encoded) }
                #expect(failure == .invalidPublicKey || failure == .invalidLength, "\(label): \(String(describing: failure))")
                checked.invalid += 1
            default:
                Issue.record("unknown result \(c.result) in \(label)")
            }
        }
        #expect(checked.valid == 330 && checked.acceptable == 1 && checked.invalid == 24)
    }

    // MARK: Private keys (SP 800-56A Rev. 3 §5.6.2.1.2)

    @Test func privateKeyRange() {
        let n = hexBytes(orderHex)
        var nMinusOne = n; nMinusOne[31] -= 1
        var nPlusOne = n; nPlusOne[31] += 1
        let one = [UInt8](repeating: 0, count: 31) + [1]
        #expect(!P256.isValidPrivateKey(.zero))
        #expect(!P256.isValidPrivateKey(Bytes32(n)))
        #expect(!P256.isValidPrivateKey(Bytes32(nPlusOne)))
        #expect(!P256.isValidPrivateKey(Bytes32(repeating: 0xFF)))
        #expect(P256.isValidPrivateKey(Bytes32(one)))
        #expect(P256.isValidPrivateKey(Bytes32(nMinusOne)))
        // A value below n in its top bytes but above it in a lower one.
        var above = n; above[16] = 0xBD
        #expect(!P256.isValidPrivateKey(Bytes32(above)))

        let peer = try! P256.publicKey(privateKey: Bytes32(one))
        for bad in [Bytes32.zero, Bytes32(n), Bytes32(repeating: 0xFF)] {
            #expect(error { () throws(CryptoError) in try P256.publicKey(privateKey: bad) } == .invalidPrivateKey)
            #expect(error { () throws(CryptoError) in try P256.ecdh(privateKey: bad, publicKey: peer) } == .invalidPrivateKey)
            #expect(error { () throws(CryptoError) in try P256.ecdh(privateKey: bad, publicKeyX: peer.x) } == .invalidPrivateKey)
        }
    }

    @Test func publicKeysOfEdgeScalars() throws {
        // 1·G = G and (n − 1)·G = −G = (Gx, p − Gy).
        let one = Bytes32([UInt8](repeating: 0, count: 31) + [1])
        let g = try P256.publicKey(privateKey: one)
        #expect(g.x.array == hexBytes(generatorXHex) && g.y.array == hexBytes(generatorYHex))

        var nMinusOne = hexBytes(orderHex); nMinusOne[31] -= 1
        let minusG = try P256.publicKey(privateKey: Bytes32(nMinusOne))
        #expect(minusG.x.array == hexBytes(generatorXHex))
        #expect(minusG.y.array != hexBytes(generatorYHex))
        let negatedGy = try decode([0x03 ^ (hexBytes(generatorYHex)[31] & 1)] + hexBytes(generatorXHex))
        #expect(minusG.y.array == negatedGy.y.array)

        // x(1·G) = x((n − 1)·G) = Gx.
        #expect(try P256.ecdh(privateKey: one, publicKey: g).array == hexBytes(generatorXHex))
        #expect(try P256.ecdh(privateKey: Bytes32(nMinusOne), publicKey: g).array == hexBytes(generatorXHex))
    }

    @Test func generatorMultiplesTable() throws {
        // The constant table of key generation (P256GeneratorTable in P256Point.swift):
        // 2G, 3G, 4G computed offline with affine formulas, checked here through
        // publicKey(privateKey:), which reads that table, and through ECDH with G, which
        // builds its table from G at run time.
        let multiples: [(Int, String, String)] = [
            (1, generatorXHex, generatorYHex),
            (2, "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978",
                 "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1"),
            (3, "5ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c",
                 "8734640c4998ff7e374b06ce1a64a2ecd82ab036384fb83d9a79b127a27d5032"),
            (4, "e2534a3532d08fbba02dde659ee62bd0031fe2db785596ef509302446b030852",
                 "e0f1575a4c633cc719dfee5fda862d764efc96c3f30ee0055c42c23f184ed8c6"),
        ]
        let g = try P256.publicKey(privateKey: Bytes32([UInt8](repeating: 0, count: 31) + [1]))
        for (k, x, y) in multiples {
            let scalar = Bytes32([UInt8](repeating: 0, count: 31) + [UInt8(k)])
            let key = try P256.publicKey(privateKey: scalar)
            #expect(key.x.array == hexBytes(x) && key.y.array == hexBytes(y), "\(k)·G")
            #expect(try P256.ecdh(privateKey: scalar, publicKey: g).array == hexBytes(x), "\(k)·G")
        }
        // Small scalars whose digits take every entry with either sign.
        for k in 5...40 {
            let scalar = Bytes32([UInt8](repeating: 0, count: 31) + [UInt8(k)])
            let key = try P256.publicKey(privateKey: scalar)
            #expect(try P256.ecdh(privateKey: scalar, publicKey: g).array == key.x.array, "\(k)·G")
        }
    }

    @Test func keyGenerationRejectsOutOfRangeDraws() {
        let n = hexBytes(orderHex)
        var nMinusOne = n; nMinusOne[31] -= 1
        var rng = ScriptedRandom(draws: [[UInt8](repeating: 0xFF, count: 32), n,
                                         [UInt8](repeating: 0, count: 32), nMinusOne, [UInt8](repeating: 7, count: 32)])
        let key = P256.generatePrivateKey(using: &rng)
        #expect(key.array == nMinusOne)
        #expect(rng.used == 4)
    }

    @Test func generatedKeysAgree() throws {
        var rng = TestStream(state: 0x5EED_0F25_6000_0001)
        for _ in 0..<8 {
            let a = P256.generatePrivateKey(using: &rng), b = P256.generatePrivateKey(using: &rng)
            #expect(P256.isValidPrivateKey(a) && P256.isValidPrivateKey(b))
            let publicA = try P256.publicKey(privateKey: a), publicB = try P256.publicKey(privateKey: b)
            let ab = try P256.ecdh(privateKey: a, publicKey: publicB)
            let ba = try P256.ecdh(privateKey: b, publicKey: publicA)
            #expect(ab.array == ba.array)
            #expect(try P256.ecdh(privateKey: a, publicKeyX: publicB.x).array == ab.array)
        }
    }

    // MARK: Public keys (SEC 1 §2.3.4, §3.2.2.1)

    @Test func decodeRoundTrips() throws {
        var rng = TestStream(state: 0xC0FF_EE00_1234_5678)
        var parities = Set<Bool>()
        for _ in 0..<16 {
            let key = try P256.publicKey(privateKey: P256.generatePrivateKey(using: &rng))
            let full = try decode(uncompressed(key))
            #expect(full.x.array == key.x.array && full.y.array == key.y.array)
            let short = try decode(compressed(key))
            #expect(short.x.array == key.x.array && short.y.array == key.y.array)
            let odd = key.y.array[31] & 1 == 1
            parities.insert(odd)
            let same = try P256.publicKey(x: key.x, yIsOdd: odd)
            #expect(same.y.array == key.y.array)
            // The other sign is the negated point: same x, y' = p − y, and the same shared x.
            let other = try P256.publicKey(x: key.x, yIsOdd: !odd)
            #expect(other.y.array != key.y.array && other.y.array[31] & 1 != key.y.array[31] & 1)
            let d = P256.generatePrivateKey(using: &rng)
            let viaKey = try P256.ecdh(privateKey: d, publicKey: key)
            #expect(try P256.ecdh(privateKey: d, publicKey: other).array == viaKey.array)
            #expect(try P256.ecdh(privateKey: d, publicKeyX: key.x).array == viaKey.array)
        }
        #expect(parities.count == 2)
    }

    @Test func decodeRejectsMalformedPoints() throws {
        let gx = hexBytes(generatorXHex), gy = hexBytes(generatorYHex)
        _ = try decode([0x04] + gx + gy)
        let p = hexBytes(primeHex)

        func rejected(_ bytes: [UInt8], _ expected: CryptoError, _ why: String) {
            #expect(error { () throws(CryptoError) in try decode(bytes) } == expected, "\(why)")
        }
        rejected([0x00], .invalidPublicKey, "point at infinity")
        rejected([], .invalidLength, "empty")
        rejected([0x04] + gx + gy.dropLast(), .invalidLength, "64-byte body")
        rejected([0x04] + gx + gy + [0], .invalidLength, "66 bytes")
        rejected(gx + gy, .invalidLength, "no prefix")
        rejected([0x05] + gx + gy, .invalidPublicKey, "prefix 05")
        rejected([0x02] + gx + gy, .invalidPublicKey, "compressed prefix on 65 bytes")
        rejected([0x04] + gx, .invalidPublicKey, "uncompressed prefix on 33 bytes")
        rejected([0x01], .invalidPublicKey, "one byte, not 00")
        var offCurve = gy; offCurve[31] ^= 1
        rejected([0x04] + gx + offCurve, .invalidPublicKey, "y + 1 off the curve")
        rejected([0x04] + [UInt8](repeating: 0, count: 64), .invalidPublicKey, "(0, 0)")
        rejected([0x04] + gx + [UInt8](repeating: 0xFF, count: 32), .invalidPublicKey, "y = 2^256 − 1")
        // b is a square, so (0, ±√b) is on the curve; x = p is 0 mod p and passes the curve
        // equation: only the range check (SEC 1 §3.2.2.1 step 2) rejects it.
        let zeroX = try P256.publicKey(x: .zero, yIsOdd: false)
        _ = try decode([0x04] + zeroX.x.array + zeroX.y.array)
        rejected([0x04] + p + zeroX.y.array, .invalidPublicKey, "x = p")
        rejected([0x02] + p, .invalidPublicKey, "compressed x = p")
        rejected([0x02] + [UInt8](repeating: 0xFF, count: 32), .invalidPublicKey, "compressed x = 2^256 − 1")
        #expect(error { () throws(CryptoError) in try P256.publicKey(x: Bytes32(p), yIsOdd: false) } == .invalidPublicKey)
        let d = bytes32("7e4aa54f714bf01df85c50269bea3a86721f84afe74f7b41ea58abcf3474e88d")
        #expect(error { () throws(CryptoError) in try P256.ecdh(privateKey: d, publicKeyX: Bytes32(p)) } == .invalidPublicKey)
    }

    @Test func xOnlyRejectsNonResidues() throws {
        // The x of Wycheproof tcId 349: x^3 − 3x + b is not a square mod p.
        let d = bytes32("7e4aa54f714bf01df85c50269bea3a86721f84afe74f7b41ea58abcf3474e88d")
        let noPoint = bytes32("fd4bf61763b46581fd9174d623516cf3c81edd40e29ffa2777fb6cb0ae3ce535")
        #expect(error { () throws(CryptoError) in try P256.publicKey(x: noPoint, yIsOdd: false) } == .invalidPublicKey)
        #expect(error { () throws(CryptoError) in try P256.ecdh(privateKey: d, publicKeyX: noPoint) } == .invalidPublicKey)
    }
}

// X25519 against RFC 7748's own vectors (§5.2, §6.1) and Wycheproof, plus the rules of §5
// (clamping, bit 255 of u ignored, non-canonical u accepted) and §6.1 (all-zero rejection,
// agreement in both directions) checked one by one.
import Foundation
import RampartCrypto
import Testing

private let rfcFile = "rfc7748-x25519.txt"
private let wycheproofFile = "wycheproof_x25519_test.json"

private func bytes32(_ hex: String) -> Bytes32 { Bytes32(hexBytes(hex)) }

/// u = 9, the base point (RFC 7748 §4.1).
private let nine = bytes32("0900000000000000000000000000000000000000000000000000000000000000")

/// The records of one `[section]` of the RFC vector file.
private func rfcRecords(_ section: String) throws -> [[String: String]] {
    try VectorFiles.cavpRecords(rfcFile).filter { $0["[section]"] == section }
}

/// A deterministic byte stream (xorshift64*) for keys in property tests; not a vector.
private struct TestStream {
    var state: UInt64
    mutating func bytes32() -> Bytes32 {
        var out = Bytes32.zero
        for i in 0..<32 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            out[i] = UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
        return out
    }
}

private func x25519(_ k: Bytes32, _ u: Bytes32) -> [UInt8] {
    X25519.scalarMult(scalar: k, uCoordinate: u).array
}

@Test func rfc7748ScalarMultVectors() throws {
    let vectors = try rfcRecords("ScalarMult")
    #expect(vectors.count == 2)
    for vector in vectors {
        let out = x25519(bytes32(vector["Scalar"]!), bytes32(vector["UCoordinate"]!))
        #expect(out.hex == vector["Output"]!)
    }
}

/// §5.2: k = u = 9; each iteration k, u ← X25519(k, u), k. The 1,000,000-iteration value
/// is in the file but not run.
@Test func rfc7748Iterated() throws {
    let vectors = try rfcRecords("Iterated")
    #expect(vectors.compactMap { $0["Iterations"] } == ["1", "1000", "1000000"])
    let expected = Dictionary(uniqueKeysWithValues: vectors.map { (Int($0["Iterations"]!)!, $0["K"]!) })
    var k = nine
    var u = nine
    for iteration in 1...1000 {
        (k, u) = (X25519.scalarMult(scalar: k, uCoordinate: u), k)
        if let value = expected[iteration] {
            #expect(k.array.hex == value, "after \(iteration) iterations")
        }
    }
}

@Test func rfc7748DiffieHellman() throws {
    let vector = try #require(try rfcRecords("DiffieHellman").first)
    let alice = bytes32(vector["AlicePrivate"]!)
    let bob = bytes32(vector["BobPrivate"]!)
    #expect(X25519.publicKey(privateKey: alice).array.hex == vector["AlicePublic"]!)
    #expect(X25519.publicKey(privateKey: bob).array.hex == vector["BobPublic"]!)
    let k1 = try X25519.sharedSecret(privateKey: alice, publicKey: bytes32(vector["BobPublic"]!))
    let k2 = try X25519.sharedSecret(privateKey: bob, publicKey: bytes32(vector["AlicePublic"]!))
    #expect(k1.array.hex == vector["Shared"]!)
    #expect(k2.array.hex == vector["Shared"]!)
}

private struct WycheproofFile: Decodable {
    struct Group: Decodable {
        let curve: String
        let tests: [Case]
    }
    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let `public`: String
        let `private`: String
        let shared: String
        let result: String
    }
    let algorithm: String
    let numberOfTests: Int
    let testGroups: [Group]
}

/// Every case through scalarMult; the all-zero ones (§6.1, low-order u) must make
/// sharedSecret throw, the others must come back from it unchanged.
@Test func wycheproof() throws {
    let file = try JSONDecoder().decode(WycheproofFile.self, from: VectorFiles.data(wycheproofFile))
    #expect(file.algorithm == "XDH")
    #expect(file.testGroups.allSatisfy { $0.curve == "curve25519" })
    let cases = file.testGroups.flatMap(\.tests)
    #expect(cases.count == file.numberOfTests)
    #expect(cases.count == 518)
    let allZero = String(repeating: "0", count: 64)
    var zeroCount = 0
    for test in cases {
        let label = Comment(rawValue: "tcId \(test.tcId): \(test.comment)")
        // This file has no "invalid" cases; one appearing needs a decision here.
        #expect(test.result == "valid" || test.result == "acceptable", label)
        let k = bytes32(test.private)
        let u = bytes32(test.public)
        #expect(x25519(k, u).hex == test.shared, label)
        if test.shared == allZero {
            zeroCount += 1
            #expect(throws: CryptoError.weakSharedSecret, label) {
                try X25519.sharedSecret(privateKey: k, publicKey: u)
            }
        } else {
            #expect(try X25519.sharedSecret(privateKey: k, publicKey: u).array.hex == test.shared, label)
        }
    }
    #expect(zeroCount == 31)
}

@Test func publicKeyIsScalarMultOfNine() {
    var stream = TestStream(state: 0x7748_0001)
    for _ in 0..<16 {
        let k = stream.bytes32()
        #expect(X25519.publicKey(privateKey: k).array == x25519(k, nine))
    }
}

@Test func agreementInBothDirections() throws {
    var stream = TestStream(state: 0x7748_0002)
    for _ in 0..<16 {
        let a = stream.bytes32()
        let b = stream.bytes32()
        let ab = try X25519.sharedSecret(privateKey: a, publicKey: X25519.publicKey(privateKey: b))
        let ba = try X25519.sharedSecret(privateKey: b, publicKey: X25519.publicKey(privateKey: a))
        #expect(ab.array == ba.array)
    }
}

/// §5 decodeScalar25519: bits 0–2 and 255 are cleared and bit 254 set whatever the input;
/// any other bit matters.
@Test func scalarIsClamped() {
    var stream = TestStream(state: 0x7748_0003)
    for _ in 0..<8 {
        let k = stream.bytes32()
        let u = X25519.publicKey(privateKey: stream.bytes32())
        var clampedBitsFlipped = k
        clampedBitsFlipped[0] ^= 0x07
        clampedBitsFlipped[31] ^= 0xC0
        #expect(x25519(clampedBitsFlipped, u) == x25519(k, u))
        var bit3Flipped = k
        bit3Flipped[0] ^= 0x08
        #expect(x25519(bit3Flipped, u) != x25519(k, u))
    }
}

/// §5: bit 255 of u is masked, and u in [p, 2^255) is taken mod p.
@Test func uCoordinateDecoding() {
    var stream = TestStream(state: 0x7748_0004)
    for _ in 0..<8 {
        let k = stream.bytes32()
        var u = stream.bytes32()
        u[31] |= 0x80
        var masked = u
        masked[31] &= 0x7F
        #expect(x25519(k, u) == x25519(k, masked))
        // p + 9 = 2^255 − 10 and 2^255 + 9 (bit 255 masked) both mean u = 9.
        let pPlusNine = bytes32("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
        let twoTo255PlusNine = bytes32("0900000000000000000000000000000000000000000000000000000000000080")
        #expect(x25519(k, pPlusNine) == X25519.publicKey(privateKey: k).array)
        #expect(x25519(k, twoTo255PlusNine) == X25519.publicKey(privateKey: k).array)
    }
}

/// §6.1: u = 0, u = 1 and u = p (≡ 0) give the all-zero result, which sharedSecret rejects.
@Test func lowOrderPublicKeysAreRejected() {
    var stream = TestStream(state: 0x7748_0005)
    let k = stream.bytes32()
    let p = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
    for u in ["00" + String(repeating: "0", count: 62), "01" + String(repeating: "0", count: 62), p] {
        #expect(x25519(k, bytes32(u)) == [UInt8](repeating: 0, count: 32))
        #expect(throws: CryptoError.weakSharedSecret) {
            try X25519.sharedSecret(privateKey: k, publicKey: bytes32(u))
        }
    }
}

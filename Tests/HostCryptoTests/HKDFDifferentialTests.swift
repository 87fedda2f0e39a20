// The device's HKDF against swift-crypto's HKDF<SHA256> on random inputs.
import Crypto
import RampartCrypto
import Testing

@Suite("HKDF-SHA-256: device vs swift-crypto")
struct HKDFDifferentialTests {
    static let caseCount = 1000
    /// Output lengths around multiples of HashLen, and the RFC 5869 §2.3 maximum.
    static let outputBoundaries = [1, 31, 32, 33, 63, 64, 65, 255, 256, 8159, 8160]

    @Test func extractAndExpandMatchSwiftCrypto() throws {
        var random = TestRandom("hkdf")
        for index in 0..<Self.caseCount {
            let salt = random.bytes(random.length(upTo: 100, boundaries: [0, 32, 64, 65]))
            let ikm = random.bytes(random.length(upTo: 100, boundaries: [0, 32, 64, 65]))
            let info = random.bytes(random.length(upTo: 100, boundaries: [0]))
            // swift-crypto's expand traps on L = 0; that case is checked below without it.
            let outputCount = max(1, random.length(upTo: 600, boundaries: Self.outputBoundaries))

            let referencePRK = Array(Crypto.HKDF<Crypto.SHA256>.extract(inputKeyMaterial: SymmetricKey(data: ikm), salt: salt))
            let prk = RampartCrypto.HKDF.extract(salt: salt.span, ikm: ikm.span)
            try #require(prk.array == referencePRK,
                         "extract: salt \(salt.hex) ikm \(ikm.hex) \(random.context(index))")

            let referenceOKM = Crypto.HKDF<Crypto.SHA256>.expand(pseudoRandomKey: referencePRK, info: info,
                                                                 outputByteCount: outputCount)
                .withUnsafeBytes { Array($0) }
            let okm = try bytesFilled(outputCount) { try RampartCrypto.HKDF.expand(prk: prk.span, info: info.span, into: &$0) }
            try #require(okm == referenceOKM,
                         "expand: prk \(prk.array.hex) info \(info.hex) L \(outputCount) \(random.context(index))")
        }
    }

    /// A PRK longer than HashLen is an HMAC key like any other (RFC 5869 §2.3: "at least HashLen").
    @Test func expandWithLongPRKMatchesSwiftCrypto() throws {
        var random = TestRandom("hkdf-long-prk")
        for index in 0..<200 {
            let prk = random.bytes(Int.random(in: 32...130, using: &random))
            let info = random.bytes(random.length(upTo: 80))
            let outputCount = Int.random(in: 1...200, using: &random)
            let reference = Crypto.HKDF<Crypto.SHA256>.expand(pseudoRandomKey: prk, info: info, outputByteCount: outputCount)
                .withUnsafeBytes { Array($0) }
            let okm = try bytesFilled(outputCount) { try RampartCrypto.HKDF.expand(prk: prk.span, info: info.span, into: &$0) }
            try #require(okm == reference, "prk \(prk.hex) L \(outputCount) \(random.context(index))")
        }
    }

    @Test func expandLimits() throws {
        let prk = [UInt8](repeating: 7, count: 32)
        let empty = try bytesFilled(0) { try RampartCrypto.HKDF.expand(prk: prk.span, info: prk.span, into: &$0) }
        #expect(empty.isEmpty)
        #expect(throws: CryptoError.limitExceeded) {
            _ = try bytesFilled(255 * 32 + 1) { try RampartCrypto.HKDF.expand(prk: prk.span, info: prk.span, into: &$0) }
        }
        #expect(throws: CryptoError.invalidLength) {
            _ = try bytesFilled(32) { try RampartCrypto.HKDF.expand(prk: prk.span.extracting(0..<31), info: prk.span, into: &$0) }
        }
    }
}

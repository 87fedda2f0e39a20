// The device's SHA-256 and HMAC-SHA-256 against libsodium on random inputs, one-shot and
// streamed in random chunks.
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("SHA-256 and HMAC-SHA-256: device vs libsodium")
struct HashDifferentialTests {
    static let caseCount = 1500
    static let messageByteCountMax = 1000
    /// Around the 64-byte block and the 55/56-byte point where the length no longer fits
    /// after the padding (FIPS 180-4 §5.1.1).
    static let boundaries = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 191, 192, 193]

    let sodium: Sodium
    init() throws { sodium = try Sodium() }

    @Test func sha256MatchesLibsodium() throws {
        var random = TestRandom("sha256")
        for index in 0..<Self.caseCount {
            let message = random.bytes(random.length(upTo: Self.messageByteCountMax, boundaries: Self.boundaries))
            let reference = sodium.sha256(message.span).array

            let oneShot = RampartCrypto.SHA256.hash(message.span).array
            try #require(oneShot == reference,
                         "one-shot, \(message.count) bytes, \(random.context(index))")

            var streamed = RampartCrypto.SHA256()
            for chunk in random.chunks(of: message.count) {
                streamed.update(message.span.extracting(chunk))
            }
            try #require(streamed.finalize().array == reference,
                         "streamed, \(message.count) bytes, \(random.context(index))")
        }
    }

    @Test func hmacSHA256MatchesLibsodium() throws {
        var random = TestRandom("hmac-sha256")
        // Keys shorter than, equal to and longer than the 64-byte block (RFC 2104 §2).
        let keyBoundaries = [0, 1, 31, 32, 33, 63, 64, 65, 128, 200]
        for index in 0..<Self.caseCount {
            let key = random.bytes(random.length(upTo: 200, boundaries: keyBoundaries))
            let message = random.bytes(random.length(upTo: Self.messageByteCountMax, boundaries: Self.boundaries))
            let reference = sodium.hmacSHA256(key: key.span, message: message.span).array

            let oneShot = HMACSHA256.authenticationCode(key: key.span, message: message.span).array
            try #require(oneShot == reference,
                         "one-shot, key \(key.count), message \(message.count) bytes, \(random.context(index))")

            var streamed = HMACSHA256(key: key.span)
            var sodiumStreamed = sodium.hmacSHA256(key: key.span)
            for chunk in random.chunks(of: message.count) {
                streamed.update(message.span.extracting(chunk))
                sodiumStreamed.update(message.span.extracting(chunk))
            }
            try #require(streamed.finalize().array == reference,
                         "streamed, key \(key.count), message \(message.count) bytes, \(random.context(index))")
            try #require(sodiumStreamed.finalize().array == reference,
                         "libsodium streamed vs one-shot, \(random.context(index))")
        }
    }

    /// A keyed HMAC copied before use MACs two messages independently (HKDF-Expand relies on it).
    @Test func hmacKeyedCopiesAreIndependent() throws {
        var random = TestRandom("hmac-copies")
        for index in 0..<100 {
            let key = random.bytes(random.length(upTo: 100))
            let first = random.bytes(random.length(upTo: 200))
            let second = random.bytes(random.length(upTo: 200))
            let keyed = HMACSHA256(key: key.span)
            var a = keyed
            var b = keyed
            a.update(first.span)
            b.update(second.span)
            let referenceA = sodium.hmacSHA256(key: key.span, message: first.span).array
            let referenceB = sodium.hmacSHA256(key: key.span, message: second.span).array
            try #require(a.finalize().array == referenceA, random.context(index))
            try #require(b.finalize().array == referenceB, random.context(index))
        }
    }
}

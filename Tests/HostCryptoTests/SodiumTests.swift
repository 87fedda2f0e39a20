// The libsodium wrappers the ledger and key files will use: Ed25519 against RFC 8032 and
// round trips, secretbox, random bytes and wiping.
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("libsodium wrappers")
struct SodiumTests {
    let sodium: Sodium
    init() throws { sodium = try Sodium() }

    @Test func ed25519MatchesRFC8032Test1() throws {
        let records = try VectorFile.records("rfc8032-ed25519.txt")
        try #require(records.count == 1)
        let vector = records[0]
        let seed = Bytes32(hex: try #require(vector["SECRET KEY"]))
        let message = hexBytes(try #require(vector["MESSAGE"]))
        let expectedSignature = Bytes64(hex: try #require(vector["SIGNATURE"]))

        let keyPair = sodium.ed25519KeyPair(seed: seed)
        #expect(keyPair.publicKey.array.hex == vector["PUBLIC KEY"])
        let signature = sodium.ed25519Signature(for: message.span, keyPair: keyPair)
        let verified = sodium.isValidEd25519Signature(expectedSignature, for: message.span, publicKey: keyPair.publicKey)
        #expect(signature.array == expectedSignature.array)
        #expect(verified)
    }

    @Test func ed25519RoundTripsAndRejectsAlterations() throws {
        var random = TestRandom("ed25519")
        for index in 0..<200 {
            var keyPair = sodium.ed25519KeyPair(seed: random.bytes32())
            let message = random.bytes(random.length(upTo: 300, boundaries: [0]))
            let signature = sodium.ed25519Signature(for: message.span, keyPair: keyPair)
            let context = random.context(index)
            let verified = sodium.isValidEd25519Signature(signature, for: message.span, publicKey: keyPair.publicKey)
            try #require(verified, context)

            var flipped = signature
            let bit = Int.random(in: 0..<512, using: &random)
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            let flippedVerified = sodium.isValidEd25519Signature(flipped, for: message.span, publicKey: keyPair.publicKey)
            try #require(!flippedVerified, "signature bit \(bit), \(context)")

            if !message.isEmpty {
                var altered = message
                altered[Int.random(in: 0..<altered.count, using: &random)] ^= 0x01
                let alteredVerified = sodium.isValidEd25519Signature(signature, for: altered.span, publicKey: keyPair.publicKey)
                try #require(!alteredVerified, "message altered, \(context)")
            }
            let otherKey = sodium.ed25519KeyPair(seed: random.bytes32()).publicKey
            let otherVerified = sodium.isValidEd25519Signature(signature, for: message.span, publicKey: otherKey)
            try #require(!otherVerified, "other key, \(context)")
            keyPair.wipe()
        }
    }

    @Test func secretboxRoundTripsAndRejectsTampering() throws {
        var random = TestRandom("secretbox")
        for index in 0..<200 {
            let key = random.bytes32()
            let nonce = Bytes24(random.bytes(24))
            let plaintext = random.bytes(random.length(upTo: 300, boundaries: [0]))
            let context = random.context(index)
            let box = try bytesFilled(plaintext.count + Sodium.secretboxTagByteCount) {
                try sodium.secretboxSeal(plaintext.span, nonce: nonce, key: key, into: &$0)
            }
            let opened = try bytesFilled(plaintext.count) {
                try sodium.secretboxOpen(box.span, nonce: nonce, key: key, into: &$0)
            }
            try #require(opened == plaintext, context)

            var tampered = box
            let bit = Int.random(in: 0..<(box.count * 8), using: &random)
            tampered[bit / 8] ^= 1 << UInt8(bit % 8)
            var output = [UInt8](repeating: 0xAA, count: plaintext.count)
            var thrown: SodiumError?
            do {
                var span = output.mutableSpan
                try sodium.secretboxOpen(tampered.span, nonce: nonce, key: key, into: &span)
            } catch let error {
                thrown = error
            }
            try #require(thrown == .authenticationFailed, "bit \(bit), \(context)")
            try #require(output.allSatisfy { $0 == 0 }, "output not wiped, \(context)")
        }
    }

    @Test func secretboxChecksLengths() {
        let key = Bytes32.zero
        let nonce = Bytes24.zero
        let plaintext = [UInt8](repeating: 1, count: 10)
        #expect(throws: SodiumError.invalidLength) {
            _ = try bytesFilled(plaintext.count) { try sodium.secretboxSeal(plaintext.span, nonce: nonce, key: key, into: &$0) }
        }
        #expect(throws: SodiumError.invalidLength) {
            _ = try bytesFilled(0) { try sodium.secretboxOpen(plaintext.span, nonce: nonce, key: key, into: &$0) }
        }
    }

    @Test func randomBytesAreFreshAndWipeZeroes() {
        var first = [UInt8](repeating: 0, count: 64)
        var second = [UInt8](repeating: 0, count: 64)
        var firstSpan = first.mutableSpan
        sodium.randomBytes(into: &firstSpan)
        var secondSpan = second.mutableSpan
        sodium.randomBytes(into: &secondSpan)
        #expect(first != second)
        #expect(first != [UInt8](repeating: 0, count: 64))

        var span = first.mutableSpan
        Sodium.memzero(&span)
        #expect(first == [UInt8](repeating: 0, count: 64))
    }
}

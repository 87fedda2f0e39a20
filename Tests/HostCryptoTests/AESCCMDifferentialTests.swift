// The device's AES-128 against BoringSSL's (through HostAES128), and CCM over each of them,
// on random inputs.
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("AES-128 and CCM: device AES vs BoringSSL AES")
struct AESCCMDifferentialTests {
    static let blockCaseCount = 3000
    static let ccmCaseCount = 1000
    static let ccmInputByteCountMax = 300

    /// FIPS 197 Appendix C.1 (AES-128), so that the reference itself is anchored.
    @Test func hostAESMatchesFIPS197() {
        let cipher = HostAES128(key: Bytes16(hex: "000102030405060708090a0b0c0d0e0f"))
        var block = Bytes16(hex: "00112233445566778899aabbccddeeff")
        cipher.encrypt(block: &block)
        #expect(block.array.hex == "69c4e0d86a7b0430d8cdb78070b4c55a")
    }

    @Test func blockEncryptionMatchesBoringSSL() throws {
        var random = TestRandom("aes128")
        for index in 0..<Self.blockCaseCount {
            let key = random.bytes16()
            let plaintext = random.bytes16()
            var device = plaintext
            var reference = plaintext
            AES128(key: key).encrypt(block: &device)
            HostAES128(key: key).encrypt(block: &reference)
            try #require(device.array == reference.array,
                         "key \(key.array.hex) block \(plaintext.array.hex) \(random.context(index))")
        }
    }

    @Test func ccmMatchesAcrossCiphers() throws {
        var random = TestRandom("ccm")
        for index in 0..<Self.ccmCaseCount {
            let key = random.bytes16()
            let nonce = random.bytes(Int.random(in: 7...13, using: &random))
            let tagLength = 2 * Int.random(in: 2...8, using: &random)
            let aad = random.bytes(random.length(upTo: Self.ccmInputByteCountMax, boundaries: [0, 1, 14, 15, 16, 17, 32]))
            let plaintext = random.bytes(random.length(upTo: Self.ccmInputByteCountMax, boundaries: [0, 1, 15, 16, 17, 32]))
            let context = "key \(key.array.hex) nonce \(nonce.hex) M \(tagLength) aad \(aad.hex) "
                + "plaintext \(plaintext.hex) \(random.context(index))"

            let device = try CCM(cipher: AES128(key: key), tagLength: tagLength)
            let host = try CCM(cipher: HostAES128(key: key), tagLength: tagLength)
            let sealedCount = plaintext.count + tagLength
            let deviceSealed = try bytesFilled(sealedCount) {
                try device.seal(nonce: nonce.span, aad: aad.span, plaintext: plaintext.span, into: &$0)
            }
            let hostSealed = try bytesFilled(sealedCount) {
                try host.seal(nonce: nonce.span, aad: aad.span, plaintext: plaintext.span, into: &$0)
            }
            try #require(deviceSealed == hostSealed, "seal, \(context)")

            // Each opens the other's output.
            let openedByDevice = try bytesFilled(plaintext.count) {
                try device.open(nonce: nonce.span, aad: aad.span, ciphertextAndTag: hostSealed.span, into: &$0)
            }
            let openedByHost = try bytesFilled(plaintext.count) {
                try host.open(nonce: nonce.span, aad: aad.span, ciphertextAndTag: deviceSealed.span, into: &$0)
            }
            try #require(openedByDevice == plaintext, "open by device, \(context)")
            try #require(openedByHost == plaintext, "open by host, \(context)")

            // One flipped bit anywhere in ciphertext, tag or AAD: both refuse and wipe the output.
            var tampered = deviceSealed
            var tamperedAAD = aad
            let bit = Int.random(in: 0..<((tampered.count + aad.count) * 8), using: &random)
            if bit < tampered.count * 8 {
                tampered[bit / 8] ^= 1 << (bit % 8)
            } else {
                let aadBit = bit - tampered.count * 8
                tamperedAAD[aadBit / 8] ^= 1 << (aadBit % 8)
            }
            let refusedByDevice = refusal(outputCount: plaintext.count) { (output) throws(CryptoError) in
                try device.open(nonce: nonce.span, aad: tamperedAAD.span, ciphertextAndTag: tampered.span, into: &output)
            }
            let refusedByHost = refusal(outputCount: plaintext.count) { (output) throws(CryptoError) in
                try host.open(nonce: nonce.span, aad: tamperedAAD.span, ciphertextAndTag: tampered.span, into: &output)
            }
            try #require(refusedByDevice.error == .authenticationFailed, "device, tampered bit \(bit), \(context)")
            try #require(refusedByHost.error == .authenticationFailed, "host, tampered bit \(bit), \(context)")
            try #require(refusedByDevice.output.allSatisfy { $0 == 0 }, "device output not wiped, \(context)")
            try #require(refusedByHost.output.allSatisfy { $0 == 0 }, "host output not wiped, \(context)")
        }
    }
}

/// What an open that should fail left behind: its error (nil if it succeeded) and its output
/// buffer, which starts filled with 0xAA so that a missing wipe shows.
func refusal(outputCount: Int, _ open: (inout MutableSpan<UInt8>) throws(CryptoError) -> Void)
    -> (error: CryptoError?, output: [UInt8]) {
    var output = [UInt8](repeating: 0xAA, count: outputCount)
    var error: CryptoError?
    do {
        var span = output.mutableSpan
        try open(&span)
    } catch let thrown {
        error = thrown
    }
    return (error, output)
}

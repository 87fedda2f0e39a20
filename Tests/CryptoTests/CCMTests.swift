// AES-CCM (RFC 3610, NIST SP 800-38C) against the RFC's packet vectors, the SP's examples and
// Wycheproof, plus the rejections: every altered byte, bad lengths, the length limit.
import Foundation
import Testing
import RampartCrypto

struct CCMTests {
    // MARK: Published vectors

    @Test func rfc3610PacketVectors() throws {
        let records = try VectorFiles.cavpRecords("ccm-rfc3610.txt").filter { $0["Key"] != nil }
        #expect(records.count == 24)
        for record in records {
            let v = RFC3610Vector(record)
            let ccm = try CCM(cipher: AES128(key: Bytes16(v.key)), tagLength: v.tagLength)
            #expect(try seal(ccm, nonce: v.nonce, aad: v.aad, plaintext: v.plaintext) == v.sealed, "\(v.name)")
            let opened = open(ccm, nonce: v.nonce, aad: v.aad, sealed: v.sealed)
            #expect(opened.error == nil, "\(v.name)")
            #expect(opened.output == v.plaintext, "\(v.name)")
        }
    }

    /// C.4 has 65536 octets of associated data, so it checks the 0xFF 0xFE length form (§A.2.2).
    @Test func sp800_38CExamples() throws {
        let records = try VectorFiles.cavpRecords("ccm-sp800-38c.txt").filter { $0["K"] != nil }
        #expect(records.count == 4)
        for record in records {
            var aad = hexBytes(record["A"]!)
            if let bits = record["Alen"].flatMap(Int.init) {
                let pattern = aad
                aad = (0..<(bits / 8)).map { pattern[$0 % pattern.count] }
                #expect(aad.count == 65536)
            }
            let tagLength = Int(record["Tlen"]!)! / 8
            let ccm = try CCM(cipher: AES128(key: Bytes16(hexBytes(record["K"]!))), tagLength: tagLength)
            let nonce = hexBytes(record["N"]!), plaintext = hexBytes(record["P"]!), sealed = hexBytes(record["C"]!)
            #expect(try seal(ccm, nonce: nonce, aad: aad, plaintext: plaintext) == sealed, "\(record["[section]"]!)")
            let opened = open(ccm, nonce: nonce, aad: aad, sealed: sealed)
            #expect(opened.error == nil && opened.output == plaintext, "\(record["[section]"]!)")
        }
    }

    /// All 184 tests with 128-bit keys: results checked where CCM allows the nonce and tag
    /// sizes, rejection by the parameter checks where it does not.
    @Test func wycheproof() throws {
        let file = try JSONDecoder().decode(WycheproofAEAD.self, from: VectorFiles.data("aes_ccm_test.json"))
        var valid = 0, invalid = 0, rejectedParameters = 0
        for group in file.testGroups where group.keySize == 128 {
            let nonceOK = group.ivSize % 8 == 0 && (7...13).contains(group.ivSize / 8)
            let tagOK = group.tagSize % 8 == 0 && [4, 6, 8, 10, 12, 14, 16].contains(group.tagSize / 8)
            for test in group.tests {
                let key = Bytes16(hexBytes(test.key))
                let nonce = hexBytes(test.iv), aad = hexBytes(test.aad), message = hexBytes(test.msg)
                let sealed = hexBytes(test.ct) + hexBytes(test.tag)
                let label = "tcId \(test.tcId): \(test.comment)"
                guard tagOK else {
                    #expect(throws: CryptoError.invalidLength, "\(label)") {
                        _ = try CCM(cipher: AES128(key: key), tagLength: group.tagSize / 8)
                    }
                    rejectedParameters += 1
                    continue
                }
                let ccm = try CCM(cipher: AES128(key: key), tagLength: group.tagSize / 8)
                guard nonceOK else {
                    #expect(throws: CryptoError.invalidLength, "\(label)") {
                        _ = try seal(ccm, nonce: nonce, aad: aad, plaintext: message)
                    }
                    #expect(open(ccm, nonce: nonce, aad: aad, sealed: sealed).error == .invalidLength, "\(label)")
                    rejectedParameters += 1
                    continue
                }
                let opened = open(ccm, nonce: nonce, aad: aad, sealed: sealed)
                switch test.result {
                case "valid":
                    #expect(try seal(ccm, nonce: nonce, aad: aad, plaintext: message) == sealed, "\(label)")
                    #expect(opened.error == nil && opened.output == message, "\(label)")
                    valid += 1
                case "invalid":
                    #expect(opened.error == .authenticationFailed, "\(label)")
                    #expect(opened.output.allSatisfy { $0 == 0 }, "\(label)")
                    invalid += 1
                default:
                    Issue.record("unexpected result \(test.result) in \(label)")
                }
            }
        }
        #expect(valid == 135)
        #expect(invalid == 27)
        #expect(rejectedParameters == 22)
    }

    // MARK: Rejections

    /// Any single altered byte of ciphertext, tag, AAD or nonce fails, and the output is wiped.
    @Test func everyAlteredByteIsRejected() throws {
        let records = try VectorFiles.cavpRecords("ccm-rfc3610.txt").filter { $0["Key"] != nil }
        #expect(records.count == 24)
        for record in records {
            let v = RFC3610Vector(record)
            let ccm = try CCM(cipher: AES128(key: Bytes16(v.key)), tagLength: v.tagLength)
            func expectRejected(nonce: [UInt8], aad: [UInt8], sealed: [UInt8], _ what: String) {
                let opened = open(ccm, nonce: nonce, aad: aad, sealed: sealed)
                #expect(opened.error == .authenticationFailed, "\(v.name) \(what)")
                #expect(opened.output.allSatisfy { $0 == 0 }, "\(v.name) \(what)")
            }
            for i in v.sealed.indices {
                for flip: UInt8 in [0x01, 0x80] {
                    var sealed = v.sealed
                    sealed[i] ^= flip
                    expectRejected(nonce: v.nonce, aad: v.aad, sealed: sealed, "sealed[\(i)] ^ \(flip)")
                }
            }
            for i in v.aad.indices {
                var aad = v.aad
                aad[i] ^= 0x01
                expectRejected(nonce: v.nonce, aad: aad, sealed: v.sealed, "aad[\(i)]")
            }
            for i in v.nonce.indices {
                var nonce = v.nonce
                nonce[i] ^= 0x01
                expectRejected(nonce: nonce, aad: v.aad, sealed: v.sealed, "nonce[\(i)]")
            }
            expectRejected(nonce: v.nonce, aad: Array(v.aad.dropLast()), sealed: v.sealed, "aad shortened")
            expectRejected(nonce: v.nonce, aad: v.aad + [0], sealed: v.sealed, "aad lengthened")
        }
    }

    @Test func onlyTheRFCTagLengthsAreAccepted() throws {
        for tagLength in -1...20 {
            let allowed = [4, 6, 8, 10, 12, 14, 16].contains(tagLength)
            let result = Result { () throws(CryptoError) -> CCM<AES128> in
                try CCM(cipher: AES128(key: .zero), tagLength: tagLength)
            }
            switch result {
            case .success(let ccm):
                #expect(allowed, "tag length \(tagLength)")
                #expect(ccm.tagLength == tagLength)
            case .failure(let error):
                #expect(!allowed, "tag length \(tagLength)")
                #expect(error == .invalidLength)
            }
        }
        #expect(CCM<AES128>.minTagByteCount == 4 && CCM<AES128>.maxTagByteCount == 16)
    }

    @Test func onlyNoncesOf7To13BytesAreAccepted() throws {
        let ccm = try CCM(cipher: AES128(key: .zero), tagLength: 8)
        #expect(CCM<AES128>.minNonceByteCount == 7 && CCM<AES128>.maxNonceByteCount == 13)
        for count in 0...20 {
            let nonce = [UInt8](repeating: 0x5A, count: count)
            let sealed = Result { () throws(CryptoError) -> [UInt8] in
                try seal(ccm, nonce: nonce, aad: [1, 2], plaintext: [3, 4, 5])
            }
            if (7...13).contains(count) {
                let bytes = try sealed.get()
                #expect(open(ccm, nonce: nonce, aad: [1, 2], sealed: bytes).output == [3, 4, 5])
            } else {
                #expect(throws: CryptoError.invalidLength, "nonce of \(count)") { try sealed.get() }
                #expect(open(ccm, nonce: nonce, aad: [1, 2], sealed: [UInt8](repeating: 0, count: 11)).error
                        == .invalidLength, "nonce of \(count)")
            }
        }
    }

    @Test func wrongOutputLengthsAreRejected() throws {
        let ccm = try CCM(cipher: AES128(key: .zero), tagLength: 8)
        let nonce = [UInt8](repeating: 1, count: 13)
        for delta in [-1, 1] {
            #expect(throws: CryptoError.invalidLength) {
                try seal(ccm, nonce: nonce, aad: [], plaintext: [1, 2, 3], outputCount: 3 + 8 + delta)
            }
            let sealed = try seal(ccm, nonce: nonce, aad: [], plaintext: [1, 2, 3])
            #expect(open(ccm, nonce: nonce, aad: [], sealed: sealed, outputCount: 3 + delta).error == .invalidLength)
        }
        // Shorter than a tag.
        #expect(open(ccm, nonce: nonce, aad: [], sealed: [UInt8](repeating: 0, count: 7), outputCount: 0).error
                == .invalidLength)
    }

    /// RFC 3610 §2: l(m) < 2^(8L). With a 13-byte nonce, L = 2.
    @Test func messageLengthLimit() throws {
        let ccm = try CCM(cipher: AES128(key: .zero), tagLength: 4)
        let nonce = [UInt8](repeating: 7, count: 13)
        let longest = [UInt8](repeating: 0x33, count: 0xFFFF)
        let sealed = try seal(ccm, nonce: nonce, aad: [], plaintext: longest)
        #expect(open(ccm, nonce: nonce, aad: [], sealed: sealed).output == longest)
        #expect(throws: CryptoError.limitExceeded) {
            try seal(ccm, nonce: nonce, aad: [], plaintext: longest + [0])
        }
        #expect(open(ccm, nonce: nonce, aad: [], sealed: sealed + [0]).error == .limitExceeded)
        // With a 12-byte nonce L = 3, and the same message is fine.
        _ = try seal(ccm, nonce: Array(nonce.dropLast()), aad: [], plaintext: longest + [0])
    }

    // MARK: Formatting, through a second block cipher

    /// The blocks fed to the cipher, seen through an identity "cipher" that records them:
    /// B_0 (§2.2) and the first AAD block for each form of l(a).
    @Test(arguments: [(0, [UInt8]()), (0xFEFF, [0xFE, 0xFF]), (0xFF00, [0xFF, 0xFE, 0x00, 0x00, 0xFF, 0x00])])
    func blockFormatting(aadCount: Int, encodedLength: [UInt8]) throws {
        let log = BlockLog()
        let ccm = try CCM(cipher: RecordingCipher(log: log), tagLength: 8)
        let nonce: [UInt8] = [0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC]
        let aad = (0..<aadCount).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let plaintext = [UInt8](repeating: 0x11, count: 0x123)
        _ = try seal(ccm, nonce: nonce, aad: aad, plaintext: plaintext)
        let flags: UInt8 = (aadCount > 0 ? 0x40 : 0) | 3 << 3 | 1   // M = 8, L = 2
        let b0 = [flags] + nonce + [0x01, 0x23]
        #expect(log.blocks[0] == b0)
        if aadCount > 0 {
            // With the identity cipher X_1 = B_0, so the second input is B_0 ⊕ B_1.
            let b1 = encodedLength + aad.prefix(16 - encodedLength.count)
            #expect(zip(log.blocks[1], b0).map { $0 ^ $1 } == b1)
        }
        // Counter blocks: Flags = L - 1, the nonce, then i; A_0 comes last, for the tag.
        let counters = log.blocks.filter { $0[0] == 0x01 && Array($0[1...13]) == nonce }
        #expect(counters.count == 0x123 / 16 + 2)
        #expect(counters.last == [0x01] + nonce + [0x00, 0x00])
        #expect(counters.first == [0x01] + nonce + [0x00, 0x01])
    }

    /// Seal then open over every small length on both sides of a block boundary, tag 16.
    @Test func roundTripAcrossBlockBoundaries() throws {
        let ccm = try CCM(cipher: AES128(key: Bytes16(Array(0..<16))), tagLength: 16)
        let nonce = [UInt8](repeating: 9, count: 11)
        for aadCount in [0, 1, 13, 14, 15, 16, 17, 31, 32, 33] {
            for count in 0...48 {
                let aad = (0..<aadCount).map { UInt8($0) }
                let plaintext = (0..<count).map { UInt8(truncatingIfNeeded: 255 - $0) }
                let sealed = try seal(ccm, nonce: nonce, aad: aad, plaintext: plaintext)
                #expect(sealed.count == count + 16)
                #expect(sealed.prefix(count) != plaintext[...] || count == 0)
                let opened = open(ccm, nonce: nonce, aad: aad, sealed: sealed)
                #expect(opened.error == nil && opened.output == plaintext, "aad \(aadCount), message \(count)")
            }
        }
    }

    @Test func wipeZeroesTheCipherCopy() throws {
        var ccm = try CCM(cipher: AES128(key: .zero), tagLength: 8)
        ccm.wipe()
        #expect(withUnsafeBytes(of: &ccm) { $0.prefix(MemoryLayout<AES128>.size).allSatisfy { $0 == 0 } })
        #expect(ccm.tagLength == 8)
    }
}

// MARK: - Helpers

private struct RFC3610Vector {
    let name: String, key: [UInt8], nonce: [UInt8], aad: [UInt8], plaintext: [UInt8], sealed: [UInt8]
    var tagLength: Int { sealed.count - plaintext.count }

    init(_ record: [String: String]) {
        let header = Int(record["HeaderOctets"]!)!
        let input = hexBytes(record["Input"]!), output = hexBytes(record["Output"]!)
        name = record["[section]"]!
        key = hexBytes(record["Key"]!)
        nonce = hexBytes(record["Nonce"]!)
        aad = Array(input.prefix(header))
        plaintext = Array(input.dropFirst(header))
        sealed = Array(output.dropFirst(header))
        precondition(Array(output.prefix(header)) == aad)
    }
}

private struct WycheproofAEAD: Decodable {
    struct Group: Decodable {
        let keySize: Int, ivSize: Int, tagSize: Int
        let tests: [Test]
    }
    struct Test: Decodable {
        let tcId: Int, comment: String
        let key: String, iv: String, aad: String, msg: String, ct: String, tag: String
        let result: String
    }
    let testGroups: [Group]
}

private final class BlockLog: @unchecked Sendable {
    var blocks: [[UInt8]] = []
}

/// The identity permutation, logging every block it is given.
private struct RecordingCipher: BlockCipher128 {
    let log: BlockLog
    func encrypt(block: inout Bytes16) {
        log.blocks.append(block.array)
    }
}

private func seal<C: BlockCipher128>(_ ccm: CCM<C>, nonce: [UInt8], aad: [UInt8], plaintext: [UInt8],
                                     outputCount: Int? = nil) throws(CryptoError) -> [UInt8] {
    var output = [UInt8](repeating: 0xAA, count: outputCount ?? plaintext.count + ccm.tagLength)
    var span = output.mutableSpan
    try ccm.seal(nonce: nonce.span, aad: aad.span, plaintext: plaintext.span, into: &span)
    _ = consume span
    return output
}

/// Opens into a buffer pre-filled with 0xAA, returning it whatever happened.
private func open<C: BlockCipher128>(_ ccm: CCM<C>, nonce: [UInt8], aad: [UInt8], sealed: [UInt8],
                                     outputCount: Int? = nil) -> (error: CryptoError?, output: [UInt8]) {
    var output = [UInt8](repeating: 0xAA, count: outputCount ?? max(sealed.count - ccm.tagLength, 0))
    let result = Result { () throws(CryptoError) in
        var span = output.mutableSpan
        try ccm.open(nonce: nonce.span, aad: aad.span, ciphertextAndTag: sealed.span, into: &span)
    }
    if case .failure(let error) = result { return (error, output) }
    return (nil, output)
}

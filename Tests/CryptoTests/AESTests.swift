// AES-128 (FIPS 197) against the standard's examples and the NIST AESAVS known answers.
import Testing
import RampartCrypto

struct AESTests {
    /// Each vector file with the number of records it holds, so an unreadable file fails.
    static let knownAnswerFiles: [(file: String, recordCount: Int)] = [
        ("aes128-fips197.txt", 2),
        ("ECBGFSbox128.rsp", 14),
        ("ECBKeySbox128.rsp", 42),
        ("ECBVarTxt128.rsp", 256),
        ("ECBVarKey128.rsp", 256),
    ]

    /// Every record, [ENCRYPT] and [DECRYPT] alike, checked in the forward direction.
    @Test(arguments: knownAnswerFiles)
    func knownAnswers(file: String, recordCount: Int) throws {
        let records = try VectorFiles.cavpRecords(file).filter { $0["KEY"] != nil }
        #expect(records.count == recordCount)
        for record in records {
            let cipher = AES128(key: Bytes16(hexBytes(record["KEY"]!)))
            var block = Bytes16(hexBytes(record["PLAINTEXT"]!))
            cipher.encrypt(block: &block)
            #expect(block.array == hexBytes(record["CIPHERTEXT"]!),
                    "\(file) [\(record["[section]"]!)] COUNT = \(record["COUNT"] ?? "-")")
        }
    }

    /// One expanded key serves many blocks: VarTxt uses the zero key throughout.
    @Test func oneKeyManyBlocks() throws {
        let records = try VectorFiles.cavpRecords("ECBVarTxt128.rsp").filter { $0["KEY"] != nil }
        #expect(records.count == 256)
        let cipher = AES128(key: .zero)
        for record in records {
            #expect(hexBytes(record["KEY"]!) == [UInt8](repeating: 0, count: 16))
            var block = Bytes16(hexBytes(record["PLAINTEXT"]!))
            cipher.encrypt(block: &block)
            #expect(block.array == hexBytes(record["CIPHERTEXT"]!))
        }
    }

    @Test func wipeZeroesTheRoundKeys() {
        var cipher = AES128(key: Bytes16(hexBytes("2b7e151628aed2a6abf7158809cf4f3c")))
        #expect(withUnsafeBytes(of: &cipher) { $0.contains { $0 != 0 } })
        cipher.wipe()
        #expect(withUnsafeBytes(of: &cipher) { $0.allSatisfy { $0 == 0 } })
        var block = Bytes16(hexBytes("3243f6a8885a308d313198a2e0370734"))
        cipher.encrypt(block: &block)
        #expect(block.array != hexBytes("3925841d02dc09fbdc118597196a0b32"))
    }
}

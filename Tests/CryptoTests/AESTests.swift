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

    /// The bitsliced cipher against a byte-oriented reference written from FIPS 197 §5.1–5.2,
    /// on pseudo-random keys and blocks: every round's skew and MixColumns variant is exercised.
    @Test func matchesByteOrientedReference() {
        var seed: UInt64 = 0x0123_4567_89AB_CDEF
        func nextBytes() -> [UInt8] {
            (0..<16).map { _ in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407  // Knuth's MMIX LCG
                return UInt8(truncatingIfNeeded: seed >> 56)
            }
        }
        for _ in 0..<256 {
            let key = nextBytes(), plaintext = nextBytes()
            var block = Bytes16(plaintext)
            AES128(key: Bytes16(key)).encrypt(block: &block)
            #expect(block.array == ReferenceAES.encrypt(plaintext, key: key))
        }
    }
}

/// Textbook AES-128 on bytes (FIPS 197 §5.1, §5.2), for tests only: a table-free S-box built
/// from the inverse in GF(2^8) and the affine map (§5.1.1). Not constant time.
enum ReferenceAES {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a, b = b, product: UInt8 = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a = (a << 1) ^ (a & 0x80 != 0 ? 0x1B : 0)
            b >>= 1
        }
        return product
    }

    static func sBox(_ x: UInt8) -> UInt8 {
        // x^254 is the inverse of x (and 0 for 0).
        var inverse: UInt8 = 1
        for _ in 0..<254 { inverse = multiply(inverse, x) }
        if x == 0 { inverse = 0 }
        var result: UInt8 = 0x63
        for shift in 0..<5 { result ^= inverse << shift | inverse >> ((8 - shift) & 7) }
        return result
    }

    static let box = (0...255).map { sBox(UInt8($0)) }

    static func encrypt(_ input: [UInt8], key: [UInt8]) -> [UInt8] {
        let box = Self.box
        var w = key, rcon: UInt8 = 1
        for i in 4..<44 {
            var t = Array(w[(4 * i - 4)..<(4 * i)])
            if i % 4 == 0 {
                t = [box[Int(t[1])] ^ rcon, box[Int(t[2])], box[Int(t[3])], box[Int(t[0])]]
                rcon = multiply(rcon, 2)
            }
            w += (0..<4).map { w[4 * i - 16 + $0] ^ t[$0] }
        }
        var s = zip(input, w[0..<16]).map { $0 ^ $1 }
        for round in 1...10 {
            s = s.map { box[Int($0)] }
            s = (0..<16).map { s[(($0 / 4 + $0 % 4) % 4) * 4 + $0 % 4] }  // ShiftRows: s[r][c+r]
            if round != 10 {
                s = (0..<16).map { i in
                    let c = i / 4 * 4, r = i % 4
                    return multiply(s[c + r], 2) ^ multiply(s[c + (r + 1) % 4], 3) ^ s[c + (r + 2) % 4] ^ s[c + (r + 3) % 4]
                }
            }
            s = zip(s, w[(16 * round)..<(16 * round + 16)]).map { $0 ^ $1 }
        }
        return s
    }
}

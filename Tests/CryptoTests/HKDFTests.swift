// HKDF-SHA-256 against RFC 5869 Appendix A.1–A.3 (Tests/Vectors/rfc5869-hkdf-sha256.txt).
import Testing
import RampartCrypto

@Suite struct HKDFTests {
    private struct Case {
        let count: String, ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int
        let prk: [UInt8], okm: [UInt8]
    }

    private static func cases() throws -> [Case] {
        try VectorFiles.cavpRecords("rfc5869-hkdf-sha256.txt").map {
            Case(count: $0["COUNT"]!, ikm: hexBytes($0["IKM"]!), salt: hexBytes($0["salt"] ?? ""),
                 info: hexBytes($0["info"] ?? ""), length: Int($0["L"]!)!,
                 prk: hexBytes($0["PRK"]!), okm: hexBytes($0["OKM"]!))
        }
    }

    private static func expand(prk: [UInt8], info: [UInt8], count: Int) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0xEE, count: count)
        var span = output.mutableSpan
        try HKDF.expand(prk: prk.span, info: info.span, into: &span)
        return output
    }

    @Test func rfc5869() throws {
        let cases = try Self.cases()
        #expect(cases.count == 3)
        for c in cases {
            #expect(c.okm.count == c.length)
            let prk = HKDF.extract(salt: c.salt.span, ikm: c.ikm.span)
            #expect(prk.array == c.prk, "test case \(c.count) PRK")
            let okm = try Self.expand(prk: prk.array, info: c.info, count: c.length)
            #expect(okm == c.okm, "test case \(c.count) OKM")
        }
    }

    /// Every shorter output is a prefix of the longer one (RFC 5869 §2.3, step 2).
    @Test func everyLengthIsAPrefix() throws {
        for c in try Self.cases() {
            for length in 0...c.length {
                let okm = try Self.expand(prk: c.prk, info: c.info, count: length)
                #expect(okm == Array(c.okm.prefix(length)), "test case \(c.count), L = \(length)")
            }
        }
    }

    /// RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros".
    @Test func emptySaltIsHashLenZeros() throws {
        let c = try Self.cases()[2]
        #expect(c.salt.isEmpty)
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(HKDF.extract(salt: zeros.span, ikm: c.ikm.span).array == c.prk)
    }

    /// RFC 5869 §2.3: L ≤ 255 × HashLen.
    @Test func outputLengthLimit() throws {
        let prk = try Self.cases()[0].prk
        #expect(HKDF.maxOutputByteCount == 8160)
        let longest = try Self.expand(prk: prk, info: [], count: HKDF.maxOutputByteCount)
        #expect(longest.count == HKDF.maxOutputByteCount)
        #expect(Array(longest.suffix(64)) != [UInt8](repeating: 0xEE, count: 64))
        let shorter = try Self.expand(prk: prk, info: [], count: 100)
        #expect(Array(longest.prefix(100)) == shorter)
        #expect(throws: CryptoError.limitExceeded) {
            _ = try Self.expand(prk: prk, info: [], count: HKDF.maxOutputByteCount + 1)
        }
    }

    /// RFC 5869 §2.3: PRK is "at least HashLen octets".
    @Test func shortPRKIsRejected() throws {
        let prk = try Self.cases()[0].prk
        #expect(throws: CryptoError.invalidLength) {
            _ = try Self.expand(prk: Array(prk.prefix(31)), info: [], count: 32)
        }
        #expect(throws: CryptoError.invalidLength) {
            _ = try Self.expand(prk: [], info: [], count: 0)
        }
        let longerPRK = prk + prk
        #expect(try Self.expand(prk: longerPRK, info: [], count: 32).count == 32)
    }
}

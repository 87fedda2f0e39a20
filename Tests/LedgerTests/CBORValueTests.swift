import Testing
@testable import RampartLedger

/// The ledger's CBOR: deterministic encoding (RFC 8949 §4.2.1) and strict decoding.
@Suite struct CBORValueTests {
    /// RFC 8949 Appendix A examples of the types the ledger uses.
    @Test(arguments: [
        (CBORValue.unsigned(0), "00"), (.unsigned(23), "17"), (.unsigned(24), "1818"), (.unsigned(1000), "1903e8"),
        (.unsigned(1_000_000), "1a000f4240"), (.unsigned(1_000_000_000_000), "1b000000e8d4a51000"),
        (.int(-1), "20"), (.int(-1000), "3903e7"), (.bool(false), "f4"), (.bool(true), "f5"),
        (.bytes([1, 2, 3, 4]), "4401020304"), (.text("IETF"), "6449455446"), (.text("\u{00fc}"), "62c3bc"),
        (.array([.unsigned(1), .array([.unsigned(2), .unsigned(3)])]), "8201820203"),
        (.textMap([("a", .unsigned(1)), ("b", .array([.unsigned(2), .unsigned(3)]))]), "a26161016162820203"),
    ])
    func encodesRFC8949Examples(value: CBORValue, hex: String) throws {
        #expect(LedgerJSON.hex(value.encoded()) == hex)
        #expect(try CBORValue.decode(value.encoded()) == value)
    }

    @Test func sortsMapKeysByTheirEncodedBytes() {
        // "z" (0x617a) sorts before "aa" (0x626161): shorter encodings first (RFC 8949 §4.2.1).
        let map = CBORValue.textMap([("aa", .unsigned(1)), ("z", .unsigned(2)), ("b", .unsigned(3))])
        #expect(LedgerJSON.hex(map.encoded()) == "a3" + "6162" + "03" + "617a" + "02" + "626161" + "01")
    }

    @Test(arguments: [
        ("1817", "argument 23 in two bytes"),
        ("190017", "argument 23 in three bytes"),
        ("5f4101ff", "indefinite-length byte string"),
        ("a2616201616101", "map keys out of order"),
        ("a2616101616102", "repeated map key"),
        ("c24101", "a tag"),
        ("f93c00", "a half float"),
        ("f6", "null"),
        ("0000", "trailing bytes"),
        ("62c3", "truncated text"),
        ("61ff", "invalid UTF-8"),
        ("9a00100001", "length over the limit"),
    ])
    func rejectsWhatTheEncoderNeverWrites(hex: String, what: String) {
        let bytes = TestHex.bytes(hex)
        #expect(throws: CBORDecodingError.self, "\(what)") { try CBORValue.decode(bytes) }
    }

    @Test func rejectsNestingPastTheLimit() {
        let deep = [UInt8](repeating: 0x81, count: CBORValue.maxDepth + 1) + [0x00]
        #expect(throws: CBORDecodingError.tooDeep(offset: CBORValue.maxDepth + 1)) { try CBORValue.decode(deep) }
        let allowed = [UInt8](repeating: 0x81, count: CBORValue.maxDepth) + [0x00]
        #expect(throws: Never.self) { try CBORValue.decode(allowed) }
    }
}

enum TestHex {
    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}

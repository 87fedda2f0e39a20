import Testing
import RampartProtocol

/// The fields of a decoded option value as arrays (nil for absent ones).
private func decode(_ value: [UInt8]) throws(OSCOREError) -> (piv: [UInt8], kidContext: [UInt8]?, kid: [UInt8]?) {
    let decoded = try OSCOREOptionValue(parsing: value.span)
    var kidContext: [UInt8]? = nil
    var kid: [UInt8]? = nil
    if let context = decoded.kidContext { kidContext = CoAPTestMessage.array(context) }
    if let id = decoded.kid { kid = CoAPTestMessage.array(id) }
    return (CoAPTestMessage.array(decoded.partialIV), kidContext, kid)
}

@Suite("OSCORE option value and Partial IV (RFC 8613 §5, §6.1)")
struct OSCOREOptionValueTests {
    // RFC 8613 §6.3, examples 1-5.
    @Test("the compressed COSE examples of §6.3 decode", arguments: [
        ("090525", "05", nil, "25"),
        ("0900", "00", nil, ""),
        ("19050544616c656b", "05", "44616c656b", ""),
        ("", "", nil, nil),
        ("0107", "07", nil, nil),
    ] as [(String, String, String?, String?)])
    func examples(value: String, piv: String, kidContext: String?, kid: String?) throws {
        let decoded = try decode(CoAPTestBytes.hex(value))
        #expect(decoded.piv == CoAPTestBytes.hex(piv))
        #expect(decoded.kidContext == kidContext.map(CoAPTestBytes.hex))
        #expect(decoded.kid == kid.map(CoAPTestBytes.hex))
    }

    @Test("malformed option values are rejected", arguments: [
        ([0x20], OSCOREMalformation.reservedFlagBits),
        ([0x80, 0x00], .reservedFlagBits),
        ([0x41, 0x00], .reservedFlagBits),
        ([0x06, 1, 2, 3, 4, 5, 6], .reservedPartialIVLength),
        ([0x07, 1, 2, 3, 4, 5, 6, 7], .reservedPartialIVLength),
        ([0x00], .zeroFlagsNotEmpty),
        ([0x02, 0x01], .truncatedOptionValue),          // n = 2, one byte
        ([0x10], .truncatedOptionValue),                // h without s
        ([0x10, 0x05, 0x01], .truncatedOptionValue),    // s = 5, one byte
        ([0x02, 0x00, 0x14], .nonMinimalPartialIV),
        ([0x01, 0x05, 0xAA], .trailingOptionBytes),     // bytes after the PIV without k
    ] as [([UInt8], OSCOREMalformation)])
    func rejects(value: [UInt8], expected: OSCOREMalformation) {
        let error = OSCORETestRun.error { () throws(OSCOREError) in try decode(value) }
        #expect(error == .malformed(expected))
    }

    @Test("Partial IVs are minimal big-endian, 0 being one zero byte", arguments: [
        (UInt64(0), "00"), (1, "01"), (20, "14"), (255, "ff"), (256, "0100"), (65_535, "ffff"),
        (1 << 32, "0100000000"), ((1 << 40) - 1, "ffffffffff"),
    ] as [(UInt64, String)])
    func partialIV(sequenceNumber: UInt64, encoded: String) throws {
        let bytes = OSCOREPartialIV.encode(sequenceNumber)
        #expect(bytes.coapTestArray == CoAPTestBytes.hex(encoded))
        let array = bytes.coapTestArray
        #expect(try OSCOREPartialIV.decode(array.span) == sequenceNumber)
    }

    @Test("Partial IVs that are empty, too long or not minimal are refused", arguments: [
        ([], OSCOREError.malformed(.truncatedOptionValue)),
        ([1, 2, 3, 4, 5, 6], .malformed(.truncatedOptionValue)),
        ([0x00, 0x01], .malformed(.nonMinimalPartialIV)),
    ] as [([UInt8], OSCOREError)])
    func partialIVRejects(bytes: [UInt8], expected: OSCOREError) {
        #expect(OSCORETestRun.error { () throws(OSCOREError) in try OSCOREPartialIV.decode(bytes.span) } == expected)
    }
}

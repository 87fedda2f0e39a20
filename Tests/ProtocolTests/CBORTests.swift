import Testing
import RampartProtocol

/// Encodes with `body` into a 64-byte buffer and returns the bytes.
func encodeCBOR(_ body: (inout ByteWriter) throws(ProtocolBufferError) -> Void) throws -> [UInt8] {
    var out = BoundedBytes<64>()
    try out.write(body)
    return (0..<out.count).map { out[$0] }
}

@Suite("CBOR (RFC 8949 deterministic subset)")
struct CBORTests {
    // RFC 8949 Appendix A examples.
    @Test("integers encode in shortest form", arguments: [
        (Int32(0), [0x00]), (1, [0x01]), (23, [0x17]), (24, [0x18, 0x18]), (100, [0x18, 0x64]),
        (1000, [0x19, 0x03, 0xE8]), (1_000_000, [0x1A, 0x00, 0x0F, 0x42, 0x40]),
        (-1, [0x20]), (-24, [0x37]), (-25, [0x38, 0x18]), (-100, [0x38, 0x63]), (-1000, [0x39, 0x03, 0xE7]),
    ] as [(Int32, [UInt8])])
    func integers(value: Int32, expected: [UInt8]) throws {
        let encoded = try encodeCBOR { w throws(ProtocolBufferError) in try w.cborInt(value) }
        #expect(encoded == expected)
        let decoded = try expected.withUnsafeBufferPointer { buffer throws(CBORError) in
            var reader = CBORReader(buffer.span)
            let v = try reader.readInt()
            try reader.finish()
            return v
        }
        #expect(decoded == value)
    }

    @Test("strings, arrays and maps round-trip")
    func containers() throws {
        let bytes: [UInt8] = [1, 2, 3, 4]
        let encoded = try encodeCBOR { w throws(ProtocolBufferError) in
            try w.cborArrayHeader(3)
            try w.cborByteString(bytes.span)
            try w.cborTextString("IETF")
            try w.cborMapHeader(1)
            try w.cborInt(-3)
            try w.cborBool(true)
        }
        #expect(encoded == [0x83, 0x44, 1, 2, 3, 4, 0x64, 0x49, 0x45, 0x54, 0x46, 0xA1, 0x22, 0xF5])
        try encoded.withUnsafeBufferPointer { buffer throws(CBORError) in
            var r = CBORReader(buffer.span)
            #expect(try r.readArrayHeader() == 3)
            let b = try r.readByteString()
            #expect(b.count == 4 && b[3] == 4)
            let t = try r.readTextString()
            #expect(t.count == 4 && t[0] == 0x49)
            #expect(try r.readMapHeader() == 1)
            #expect(try r.readInt() == -3)
            #expect(try r.readBool())
            try r.finish()
        }
    }

    @Test("strict decoding rejects what the profile forbids", arguments: [
        ([0x18, 0x05], CBORError.nonMinimal),          // 5 in two bytes
        ([0x19, 0x00, 0x10], .nonMinimal),             // 16 in three bytes
        ([0x1A, 0x00, 0x00, 0xFF, 0xFF], .nonMinimal),
        ([0x5F, 0x41, 0x00, 0xFF], .indefiniteLength), // indefinite byte string
        ([0x9F, 0xFF], .indefiniteLength),
        ([0x44, 0x01, 0x02], .truncated),              // length beyond input
        ([0x19, 0x01], .truncated),
        ([0x84, 0x01], .truncated),                    // array count beyond input
        ([0xC1, 0x01], .unsupported),                  // tag
        ([0xF9, 0x3C, 0x00], .unsupported),            // half float
        ([0xF8, 0x10], .nonMinimal),                   // simple value 16 in two bytes
        ([0x1C], .unsupported),                        // reserved additional information
        ([0x1B, 0, 0, 0, 0, 0, 0, 0, 1], .outOfRange),
        ([0x01, 0x02], .trailingBytes),
    ] as [([UInt8], CBORError)])
    func rejects(input: [UInt8], expected: CBORError) {
        let error = input.withUnsafeBufferPointer { buffer -> CBORError? in
            var r = CBORReader(buffer.span)
            do throws(CBORError) {
                try r.skipItem()
                try r.finish()
                return nil
            } catch {
                return error
            }
        }
        #expect(error == expected)
    }

    @Test("nesting beyond the depth limit is rejected, not recursed into")
    func depthLimit() {
        let deep = [UInt8](repeating: 0x81, count: 64) + [0x00]
        let error = deep.withUnsafeBufferPointer { buffer -> CBORError? in
            var r = CBORReader(buffer.span)
            do throws(CBORError) { try r.skipItem(); return nil } catch { return error }
        }
        #expect(error == .tooDeep)
    }

    @Test("wrong types are reported and do not consume the item")
    func wrongType() throws {
        let input: [UInt8] = [0x41, 0x07]
        try input.withUnsafeBufferPointer { buffer throws(CBORError) in
            var r = CBORReader(buffer.span)
            #expect(throws: CBORError.wrongType) { try r.readInt() }
            #expect(try r.readByteString().count == 1)
        }
    }

    @Test("an encoder never writes past its buffer")
    func encoderBound() {
        var out = BoundedBytes<3>()
        #expect(throws: ProtocolBufferError.tooLong) {
            try out.write { w throws(ProtocolBufferError) in try w.cborInt(1_000_000) }
        }
    }
}

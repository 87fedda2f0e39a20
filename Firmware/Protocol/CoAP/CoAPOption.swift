/// One option of a parsed message: its number and a view of its value (RFC 7252 §3.1).
public struct CoAPOption: ~Escapable {
    public let number: CoAPOptionNumber
    public let value: Span<UInt8>

    @_lifetime(copy value)
    init(number: CoAPOptionNumber, value: Span<UInt8>) {
        self.number = number
        self.value = value
    }

    /// The value read as a uint (RFC 7252 §3.2): big-endian, 0…4 bytes, an empty value
    /// being 0. Leading zero bytes are accepted (senders SHOULD omit them, receivers must cope).
    public func uintValue() throws(CoAPError) -> UInt32 {
        guard value.count <= CoAPLimits.uintValueLengthMax else { throw .optionValueTooLong }
        var result: UInt32 = 0
        for i in 0..<value.count { result = result &<< 8 | UInt32(value[i]) }
        return result
    }
}

/// The option header codec (RFC 7252 §3.1): a delta nibble and a length nibble, each
/// 0…12 literal, 13 = one extra byte + 13, 14 = two extra bytes + 269, 15 reserved.
enum CoAPOptionHeader {
    /// Decodes the option whose header starts at `offset` (the caller has checked that the
    /// byte there is not the payload marker). Returns its number and the range of its value.
    static func decode(_ bytes: Span<UInt8>, at offset: Int, previousNumber: Int)
        throws(CoAPError) -> (number: Int, valueStart: Int, valueEnd: Int) {
        let initial = bytes[offset]
        var cursor = offset + 1
        let delta = try extended(initial &>> 4, bytes, &cursor)
        let length = try extended(initial & 0x0F, bytes, &cursor)
        let number = previousNumber + delta
        guard number <= CoAPLimits.optionNumberMax else { throw .optionNumberOverflow }
        guard length <= bytes.count - cursor else { throw .truncated }
        return (number, cursor, cursor + length)
    }

    /// A delta or length from its nibble and the extended bytes that follow at `cursor`.
    private static func extended(_ nibble: UInt8, _ bytes: Span<UInt8>, _ cursor: inout Int)
        throws(CoAPError) -> Int {
        switch nibble {
        case CoAPLimits.nibbleOneByte:
            guard cursor < bytes.count else { throw .truncated }
            defer { cursor += 1 }
            return Int(bytes[cursor]) + CoAPLimits.oneByteOffset
        case CoAPLimits.nibbleTwoBytes:
            guard bytes.count - cursor >= 2 else { throw .truncated }
            defer { cursor += 2 }
            return (Int(bytes[cursor]) &<< 8 | Int(bytes[cursor + 1])) + CoAPLimits.twoByteOffset
        case CoAPLimits.nibbleReserved:
            throw .reservedOptionNibble
        default:
            return Int(nibble)
        }
    }

    /// The nibble for a delta or length, and how many extended bytes follow it.
    static func nibble(for value: Int) -> (nibble: UInt8, extendedCount: Int) {
        if value < CoAPLimits.oneByteOffset { return (UInt8(truncatingIfNeeded: value), 0) }
        if value < CoAPLimits.twoByteOffset { return (CoAPLimits.nibbleOneByte, 1) }
        return (CoAPLimits.nibbleTwoBytes, 2)
    }

    /// Writes the header of an option `delta` after the previous one with a value of `length`.
    @_lifetime(writer: copy writer)
    static func write(delta: Int, length: Int, into writer: inout ByteWriter) throws(ProtocolBufferError) {
        let d = nibble(for: delta)
        let l = nibble(for: length)
        try writer.append(d.nibble &<< 4 | l.nibble)
        try writeExtended(delta, d.extendedCount, into: &writer)
        try writeExtended(length, l.extendedCount, into: &writer)
    }

    @_lifetime(writer: copy writer)
    private static func writeExtended(_ value: Int, _ count: Int, into writer: inout ByteWriter)
        throws(ProtocolBufferError) {
        if count == 1 {
            try writer.append(UInt8(truncatingIfNeeded: value - CoAPLimits.oneByteOffset))
        } else if count == 2 {
            try writer.appendBigEndian(UInt32(truncatingIfNeeded: value - CoAPLimits.twoByteOffset), byteCount: 2)
        }
    }
}

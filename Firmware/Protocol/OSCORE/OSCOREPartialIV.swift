/// Partial IV encoding (RFC 8613 §5): the sequence number in network byte order with
/// leading zero bytes removed, 0 being the single byte 0x00; at most 5 bytes.
public enum OSCOREPartialIV {
    /// The Partial IV for `sequenceNumber` (which must be ≤ 2^40 − 1).
    @inline(never)
    public static func encode(_ sequenceNumber: UInt64) -> OSCOREPartialIVBytes {
        var bytes = OSCOREPartialIVBytes()
        var shift: UInt64 = 32
        for _ in 0..<OSCORELimits.partialIVLengthMax {
            let byte = UInt8(truncatingIfNeeded: sequenceNumber &>> shift)
            if byte != 0 || !bytes.isEmpty || shift == 0 {
                try? bytes.append(byte)
            }
            shift &-= 8
        }
        return bytes
    }

    /// The sequence number a received Partial IV carries.
    ///
    /// - Throws: `.malformed(.nonMinimalPartialIV)` for a leading zero byte;
    ///   `.malformed(.truncatedOptionValue)` for an empty or over-long one.
    public static func decode(_ partialIV: Span<UInt8>) throws(OSCOREError) -> UInt64 {
        guard partialIV.count >= 1, partialIV.count <= OSCORELimits.partialIVLengthMax else {
            throw .malformed(.truncatedOptionValue)
        }
        guard partialIV.count == 1 || partialIV[0] != 0 else { throw .malformed(.nonMinimalPartialIV) }
        var value: UInt64 = 0
        for i in 0..<partialIV.count {
            value = value &<< 8 | UInt64(_truncatingBits: UInt(partialIV[i]))
        }
        return value
    }
}

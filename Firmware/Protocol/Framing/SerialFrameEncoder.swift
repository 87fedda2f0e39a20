/// Writes one payload as a serial frame (see `SerialFraming`):
/// `0x00 · COBS(payload ‖ CRC-32 LE) · 0x00`. The leading delimiter ends whatever noise the
/// receiver saw before, so this frame is decoded even after garbage on the line.
public enum SerialFrameEncoder {
    /// Appends the frame for `payload` to `writer`. Writes nothing if it throws.
    @_lifetime(writer: copy writer)
    public static func encode(_ payload: Span<UInt8>, into writer: inout ByteWriter) throws(SerialFramingError) {
        guard payload.count <= SerialFraming.maxPayloadByteCount else { throw .payloadTooLong }
        let body = FrameBody(payload: payload, check: CRC32.checksum(payload))
        guard encodedByteCount(body) <= writer.remaining else { throw .outputTooSmall }
        do {
            try writer.append(SerialFraming.delimiter)
            var start = 0
            while true {
                let end = blockEnd(body, from: start)
                try writer.append(UInt8(truncatingIfNeeded: end - start + 1))
                for i in start..<end { try writer.append(body[i]) }
                if end == body.count { break }
                // A full block carries no implied zero; any other stops at a zero it stands for.
                start = end - start == SerialFraming.maxBlockDataByteCount ? end : end + 1
            }
            try writer.append(SerialFraming.delimiter)
        } catch {
            // Unreachable: the size was checked above.
            throw .outputTooSmall
        }
    }

    /// Exact wire size of the frame for `payload` (≤ `SerialFraming.maxFrameByteCount` for
    /// any payload the encoder accepts).
    public static func encodedByteCount(_ payload: Span<UInt8>) -> Int {
        encodedByteCount(FrameBody(payload: payload, check: CRC32.checksum(payload)))
    }

    static func encodedByteCount(_ body: borrowing FrameBody) -> Int {
        var total = 2
        var start = 0
        while true {
            let end = blockEnd(body, from: start)
            total += 1 + end - start
            if end == body.count { return total }
            start = end - start == SerialFraming.maxBlockDataByteCount ? end : end + 1
        }
    }

    /// End of the COBS block that starts at `start`: the next zero, the end of the body, or
    /// 254 bytes on, whichever comes first.
    static func blockEnd(_ body: borrowing FrameBody, from start: Int) -> Int {
        var end = start
        while end < body.count && end - start < SerialFraming.maxBlockDataByteCount && body[end] != 0 {
            end += 1
        }
        return end
    }
}

/// The bytes COBS encodes: the payload followed by its CRC, least significant byte first,
/// without copying the payload.
struct FrameBody: ~Escapable {
    let payload: Span<UInt8>
    let check: UInt32

    @_lifetime(copy payload)
    init(payload: Span<UInt8>, check: UInt32) {
        self.payload = payload
        self.check = check
    }

    var count: Int { payload.count + SerialFraming.checkByteCount }

    subscript(index: Int) -> UInt8 {
        if index < payload.count { return payload[index] }
        return UInt8(truncatingIfNeeded: check &>> (UInt32(truncatingIfNeeded: index - payload.count) &* 8))
    }
}

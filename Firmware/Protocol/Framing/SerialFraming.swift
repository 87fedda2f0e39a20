/// CoAP over a UART (DESIGN.md §1, "serial"): one CoAP message per frame. A frame on the
/// wire is
///
///     0x00 · COBS(payload ‖ CRC-32(payload), little-endian) · 0x00
///
/// COBS (Consistent Overhead Byte Stuffing, Cheshire and Baker, IEEE/ACM ToN 7(2), 1999)
/// removes every 0x00 from the body, so 0x00 marks frame boundaries and nothing else: a
/// receiver that lost sync (line noise, a reset mid-frame) is back in step at the next 0x00,
/// at the cost of at most one byte in 254. The CRC catches corruption COBS cannot see, and
/// the payload length is bounded so a receiver's buffer has a fixed size.
public enum SerialFraming {
    /// Largest payload (one CoAP message) a frame carries. EDHOC and OSCORE messages in this
    /// profile stay under ~300 bytes; 512 leaves room without making receive buffers large.
    /// `SerialFrameDecoder512` is a decoder with exactly this capacity.
    public static let maxPayloadByteCount = 512

    /// The frame delimiter; COBS guarantees it never appears inside a frame.
    public static let delimiter: UInt8 = 0x00

    /// Bytes of the integrity check after the payload (CRC-32, see `CRC32`).
    public static let checkByteCount = 4

    /// Longest COBS block: a code byte says how many non-zero bytes follow (up to 254).
    static let maxBlockDataByteCount = 254

    /// Upper bound on the wire size of a frame carrying `payloadByteCount` bytes: both
    /// delimiters, the body, and one COBS code byte per started block of 254.
    public static func maxFrameByteCount(payloadByteCount: Int) -> Int {
        let body = payloadByteCount + checkByteCount
        return 2 + body + body / maxBlockDataByteCount + 1
    }

    /// Wire size bound of the largest frame (size transmit buffers with this).
    public static let maxFrameByteCount = maxFrameByteCount(payloadByteCount: maxPayloadByteCount)
}

/// Why a frame could not be encoded.
public enum SerialFramingError: Error, Equatable, Sendable {
    /// The payload is longer than `SerialFraming.maxPayloadByteCount`.
    case payloadTooLong
    /// The output buffer cannot hold the whole frame (nothing was written).
    case outputTooSmall
}

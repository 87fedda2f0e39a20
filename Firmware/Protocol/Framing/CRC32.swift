/// CRC-32/ISO-HDLC (the CRC of HDLC, PPP, Ethernet and zlib): polynomial 0x04C11DB7 in
/// reflected form 0xEDB88320, initial value and final XOR 0xFFFFFFFF; check value 0xCBF43926
/// for the ASCII string "123456789". Sent least significant byte first, as HDLC sends its FCS
/// (ISO/IEC 13239).
///
/// Why 32 bits and not CRC-16/CCITT-FALSE: for frames of up to
/// `SerialFraming.maxPayloadByteCount` bytes both detect every error of up to three bits and
/// every burst up to their width, but CRC-32 still detects every 4-bit error in payloads of up
/// to 371 bytes (Hamming distance 5, Koopman's tables) — every message this profile sends — and
/// lets a random corruption through with probability 2^-32 instead of 2^-16. Several frames
/// are not protected end to end by anything else (EDHOC message_1, error messages, unprotected
/// CoAP), and a noisy line at 1000 bad frames a day would pass a corrupted one every ~65 days
/// with 16 bits. The cost is two bytes per frame: at 115200 baud, 174 µs on a ~300-byte frame
/// (under 1 %). Computed bit by bit (no 1 KB table in flash): ~60 instructions a byte on a
/// Cortex-M0, nothing beside the UART's 87 µs per byte.
public enum CRC32 {
    /// The register before any byte.
    public static let initialValue: UInt32 = 0xFFFF_FFFF
    /// Reflected generator polynomial.
    static let reflectedPolynomial: UInt32 = 0xEDB8_8320

    /// Feeds one byte into the running register `crc` (start from `initialValue`).
    @inline(__always)
    public static func update(_ crc: UInt32, _ byte: UInt8) -> UInt32 {
        var crc = crc ^ UInt32(byte)
        for _ in 0..<8 {
            // Branch-free: subtract the low bit from zero to get an all-ones or all-zeros mask.
            crc = (crc &>> 1) ^ (reflectedPolynomial & (0 &- (crc & 1)))
        }
        return crc
    }

    /// The CRC of a register that has seen every byte.
    @inline(__always)
    public static func finalize(_ crc: UInt32) -> UInt32 { crc ^ 0xFFFF_FFFF }

    /// CRC-32 of `bytes`.
    public static func checksum(_ bytes: Span<UInt8>) -> UInt32 {
        var crc = initialValue
        for i in 0..<bytes.count { crc = update(crc, bytes[i]) }
        return finalize(crc)
    }
}

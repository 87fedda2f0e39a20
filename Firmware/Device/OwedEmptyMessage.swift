import RampartProtocol

/// An Empty message (RFC 7252 §4.1, Code 0.00, no token) the device owes its peer: an ACK
/// for a separate response that came as CON (§5.2.2), or a Reset answering a CoAP ping
/// (§4.3). It goes out at the next poll, ahead of anything else.
struct OwedEmptyMessage {
    let type: CoAPMessageType
    let messageID: UInt16

    /// The 4-byte header alone — Version 1, the type, Token Length 0, Code 0.00, the Message
    /// ID it answers (§3). Returns the bytes written (0 if `output` is too short).
    func write(into output: inout MutableSpan<UInt8>) -> Int {
        guard output.count >= CoAPLimits.headerLength else { return 0 }
        output[0] = CoAPLimits.version &<< 6 | type.rawValue &<< 4
        output[1] = CoAPCode.empty.rawValue
        output[2] = UInt8(truncatingIfNeeded: messageID &>> 8)
        output[3] = UInt8(truncatingIfNeeded: messageID)
        return CoAPLimits.headerLength
    }
}

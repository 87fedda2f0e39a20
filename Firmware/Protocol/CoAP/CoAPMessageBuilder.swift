/// Writes a CoAP message (RFC 7252 §3) through a `ByteWriter`: the header and token, then
/// options in ascending number order (the builder computes the deltas and refuses a
/// descending number), then the payload marker and payload if there is a payload.
///
/// The same option and payload encoding forms an OSCORE plaintext (RFC 8613 §5.3): write
/// the code byte, then use `option` and `payload` without `header`.
public struct CoAPMessageBuilder: Sendable {
    /// Number of the last option written (0 before the first).
    public private(set) var previousOptionNumber: Int = 0
    /// Whether the payload has been written (nothing may follow it).
    public private(set) var isFinished = false

    public init() {}

    /// Writes the 4-byte header and the token.
    ///
    /// - Throws: `.invalidTokenLength` for a token over 8 bytes, `.outputTooSmall`.
    @inline(never)
    @_lifetime(writer: copy writer)
    public mutating func header(type: CoAPMessageType, code: CoAPCode, messageID: UInt16,
                                token: Span<UInt8>, into writer: inout ByteWriter) throws(CoAPError) {
        guard token.count <= CoAPLimits.tokenLengthMax else { throw .invalidTokenLength }
        do throws(ProtocolBufferError) {
            try writer.append(CoAPLimits.version &<< 6 | type.rawValue &<< 4 | UInt8(truncatingIfNeeded: token.count))
            try writer.append(code.rawValue)
            try writer.appendBigEndian(UInt32(messageID), byteCount: 2)
            try writer.append(token)
        } catch {
            throw .outputTooSmall
        }
    }

    /// Writes one option. Numbers must not decrease (equal numbers repeat an option).
    ///
    /// - Throws: `.optionsOutOfOrder`, `.outputTooSmall`.
    @inline(never) // called from many places; one copy keeps the firmware small
    @_lifetime(writer: copy writer)
    public mutating func option(_ number: CoAPOptionNumber, _ value: Span<UInt8>,
                                into writer: inout ByteWriter) throws(CoAPError) {
        let current = Int(number.rawValue)
        guard !isFinished, current >= previousOptionNumber else { throw .optionsOutOfOrder }
        do throws(ProtocolBufferError) {
            try CoAPOptionHeader.write(delta: current - previousOptionNumber, length: value.count, into: &writer)
            try writer.append(value)
        } catch {
            throw .outputTooSmall
        }
        previousOptionNumber = current
    }

    /// Writes a uint option in its shortest form (RFC 7252 §3.2: 0 is the empty value).
    @_lifetime(writer: copy writer)
    public mutating func option(_ number: CoAPOptionNumber, uint value: UInt32,
                                into writer: inout ByteWriter) throws(CoAPError) {
        var encoded = InlineArray<4, UInt8>(repeating: 0)
        var length = 0
        var shift: UInt32 = 24
        for _ in 0..<CoAPLimits.uintValueLengthMax {
            let byte = UInt8(truncatingIfNeeded: value &>> shift)
            if byte != 0 || length > 0 {
                encoded[length] = byte
                length += 1
            }
            shift &-= 8
        }
        let all = encoded.span
        try option(number, all.extracting(0..<length), into: &writer)
    }

    /// Writes a string option from a static string (Uri-Path segments and the like).
    @_lifetime(writer: copy writer)
    public mutating func option(_ number: CoAPOptionNumber, _ text: StaticString,
                                into writer: inout ByteWriter) throws(CoAPError) {
        let utf8 = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        try option(number, utf8.span, into: &writer)
    }

    /// Writes the payload marker and `payload`; writes nothing for an empty payload (a
    /// marker with no payload is a format error, RFC 7252 §3). No option may follow.
    @_lifetime(writer: copy writer)
    public mutating func payload(_ payload: Span<UInt8>, into writer: inout ByteWriter) throws(CoAPError) {
        try self.payload(payload, payload.extracting(0..<0), into: &writer)
    }

    /// Writes a payload given in two parts (`head` ‖ `tail`), such as a prefix and a message.
    @inline(never)
    @_lifetime(writer: copy writer)
    public mutating func payload(_ head: Span<UInt8>, _ tail: Span<UInt8>,
                                 into writer: inout ByteWriter) throws(CoAPError) {
        guard !isFinished else { throw .optionsOutOfOrder }
        isFinished = true
        guard head.count + tail.count > 0 else { return }
        do throws(ProtocolBufferError) {
            try writer.append(CoAPLimits.payloadMarker)
            try writer.append(head)
            try writer.append(tail)
        } catch {
            throw .outputTooSmall
        }
    }
}

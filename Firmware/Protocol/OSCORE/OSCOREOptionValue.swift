/// The OSCORE option value (RFC 8613 §6.1, Figure 10): a flag byte `0 0 0 h k n n n`, the
/// n-byte Partial IV, if h a length byte s and the s-byte 'kid context', and if k the
/// 'kid' in the remaining bytes. All-zero flags are sent as an empty value (§2).
public struct OSCOREOptionValue: ~Escapable {
    /// The Partial IV; empty when absent (n = 0).
    public let partialIV: Span<UInt8>
    /// The 'kid context', when h = 1.
    public let kidContext: Span<UInt8>?
    /// The 'kid', when k = 1 (it may be empty: the empty Sender ID is legitimate).
    public let kid: Span<UInt8>?

    static let partialIVLengthMask: UInt8 = 0x07
    static let kidFlag: UInt8 = 0x08
    static let kidContextFlag: UInt8 = 0x10
    static let reservedFlags: UInt8 = 0xE0

    /// Decodes an option value.
    ///
    /// - Throws: `.malformed` with `.reservedFlagBits`, `.reservedPartialIVLength`,
    ///   `.zeroFlagsNotEmpty`, `.truncatedOptionValue`, `.trailingOptionBytes` or
    ///   `.nonMinimalPartialIV`.
    @_lifetime(copy value)
    public init(parsing value: Span<UInt8>) throws(OSCOREError) {
        guard !value.isEmpty else {
            partialIV = value
            kidContext = nil
            kid = nil
            return
        }
        let flags = value[0]
        guard flags & Self.reservedFlags == 0 else { throw .malformed(.reservedFlagBits) }
        guard flags != 0 else { throw .malformed(.zeroFlagsNotEmpty) }
        let n = Int(flags & Self.partialIVLengthMask)
        guard n <= OSCORELimits.partialIVLengthMax else { throw .malformed(.reservedPartialIVLength) }
        var offset = 1
        guard n <= value.count - offset else { throw .malformed(.truncatedOptionValue) }
        let partialIV = value.extracting(offset..<(offset + n))
        if n > 1 && partialIV[0] == 0 { throw .malformed(.nonMinimalPartialIV) }
        offset += n
        if flags & Self.kidContextFlag != 0 {
            guard offset < value.count else { throw .malformed(.truncatedOptionValue) }
            let s = Int(value[offset])
            offset += 1
            guard s <= value.count - offset else { throw .malformed(.truncatedOptionValue) }
            kidContext = value.extracting(offset..<(offset + s))
            offset += s
        } else {
            kidContext = nil
        }
        kid = flags & Self.kidFlag != 0 ? value.extracting(offset..<value.count) : nil
        // Without k, nothing may follow the Partial IV and 'kid context'.
        if kid == nil && offset != value.count { throw .malformed(.trailingOptionBytes) }
        self.partialIV = partialIV
    }

    /// Writes an option value with the given fields (absent ones omitted from the flags).
    @inline(never)
    @_lifetime(writer: copy writer)
    static func write(partialIV: Span<UInt8>, kidContext: Span<UInt8>?, kid: Span<UInt8>?,
                      into writer: inout ByteWriter) throws(ProtocolBufferError) {
        var flags = UInt8(truncatingIfNeeded: partialIV.count)
        if kid != nil { flags |= kidFlag }
        if kidContext != nil { flags |= kidContextFlag }
        guard flags != 0 else { return }
        try writer.append(flags)
        try writer.append(partialIV)
        if let kidContext {
            try writer.append(UInt8(truncatingIfNeeded: kidContext.count))
            try writer.append(kidContext)
        }
        if let kid { try writer.append(kid) }
    }
}

/// A parsed CoAP message (RFC 7252 §3): a validated view over the received bytes, nothing
/// copied. Parsing checks the whole message once (version, token length, every option
/// header, option count, payload marker), so reading its parts afterwards cannot fail.
///
/// Block-wise transfer (RFC 7959) is not implemented: every message of the profile (EDHOC
/// messages of about 40-60 bytes, OSCORE-protected telemetry) fits in one datagram or frame.
public struct CoAPMessage: ~Escapable {
    /// The whole message.
    public let bytes: Span<UInt8>
    public let type: CoAPMessageType
    public let code: CoAPCode
    public let messageID: UInt16
    let tokenLength: Int
    let optionsEnd: Int
    let payloadStart: Int
    let optionCount: Int

    /// Parses and validates `bytes`.
    ///
    /// - Throws: `.truncated`, `.unsupportedVersion`, `.invalidTokenLength`,
    ///   `.reservedOptionNibble`, `.optionNumberOverflow`, `.tooManyOptions`,
    ///   `.emptyPayloadAfterMarker`, `.invalidEmptyMessage`.
    @_lifetime(copy bytes)
    public init(parsing bytes: Span<UInt8>) throws(CoAPError) {
        guard bytes.count >= CoAPLimits.headerLength else { throw .truncated }
        let first = bytes[0]
        guard first &>> 6 == CoAPLimits.version else { throw .unsupportedVersion }
        let tokenLength = Int(first & 0x0F)
        guard tokenLength <= CoAPLimits.tokenLengthMax else { throw .invalidTokenLength }
        guard tokenLength <= bytes.count - CoAPLimits.headerLength else { throw .truncated }
        let code = CoAPCode(rawValue: bytes[1])
        // RFC 7252 §4.1: an Empty message is the 4-byte header and nothing else.
        if code.isEmpty && bytes.count != CoAPLimits.headerLength { throw .invalidEmptyMessage }
        let body = try CoAPOptions.scan(bytes, from: CoAPLimits.headerLength + tokenLength)
        self.bytes = bytes
        self.type = CoAPMessageType(rawValue: (first &>> 4) & 0x03).unsafelyUnwrapped
        self.code = code
        self.messageID = UInt16(bytes[2]) &<< 8 | UInt16(bytes[3])
        self.tokenLength = tokenLength
        self.optionsEnd = body.optionsEnd
        self.payloadStart = body.payloadStart
        self.optionCount = body.optionCount
    }

    /// The token, 0…8 bytes.
    public var token: Span<UInt8> {
        @_lifetime(copy self)
        get { bytes.extracting(CoAPLimits.headerLength..<(CoAPLimits.headerLength + tokenLength)) }
    }

    /// The options, in order.
    public var options: CoAPOptions {
        @_lifetime(copy self)
        get {
            CoAPOptions(bytes: bytes.extracting((CoAPLimits.headerLength + tokenLength)..<optionsEnd),
                        count: optionCount)
        }
    }

    /// The payload after the marker; empty when there is none.
    public var payload: Span<UInt8> {
        @_lifetime(copy self)
        get { bytes.extracting(payloadStart..<bytes.count) }
    }
}

/// What the CoAP codec rejects (RFC 7252 §3 and §4.1 "message format error"), or why it
/// could not write a message. Every byte a peer sends goes through the parser; nothing traps.
public enum CoAPError: Error, Equatable, Sendable {
    /// The message ends inside the header, the token, an option header or an option value.
    case truncated
    /// The Version field is not 1 (RFC 7252 §3).
    case unsupportedVersion
    /// Token Length 9…15 (reserved, RFC 7252 §3), or a token longer than 8 bytes to write.
    case invalidTokenLength
    /// An option delta or length nibble of 15 outside the payload marker (RFC 7252 §3.1).
    case reservedOptionNibble
    /// A payload marker followed by no payload (RFC 7252 §3).
    case emptyPayloadAfterMarker
    /// An option number beyond 65535 (RFC 7252 §3.1: option numbers are 16 bits).
    case optionNumberOverflow
    /// More options than `CoAPLimits.optionCountMax`.
    case tooManyOptions
    /// A code 0.00 (Empty) message with a token, options or payload (RFC 7252 §4.1).
    case invalidEmptyMessage
    /// Options given to the builder in descending number order (RFC 7252 §3.1 needs
    /// ascending order for the delta encoding), or an option after the payload.
    case optionsOutOfOrder
    /// A uint option value longer than 4 bytes (RFC 7252 §3.2).
    case optionValueTooLong
    /// The output buffer is too small for the message.
    case outputTooSmall
}

/// The unprotected error responses a server sends when OSCORE processing of a request
/// fails (RFC 8613 §8.2 steps 2 and 6, §7.4), and which §8.3 says are not protected:
///
/// | error | code | diagnostic payload |
/// |---|---|---|
/// | COSE decode failure (`.malformed`) | 4.02 Bad Option | "Failed to decode COSE" |
/// | no Recipient Context | 4.01 Unauthorized | "Security context not found" |
/// | replay | 4.01 Unauthorized | "Replay detected" |
/// | decryption failure | 4.00 Bad Request | "Decryption failed" |
///
/// A context refused for its usage limit or wiped is answered as "not found": the client
/// must run EDHOC again, as after a forced re-key. Every response carries an outer Max-Age
/// of 0 (§8.2: so that intermediaries do not cache it).
public enum OSCOREErrorResponse {
    public static let decodeFailed: StaticString = "Failed to decode COSE"
    public static let contextNotFound: StaticString = "Security context not found"
    public static let replayDetected: StaticString = "Replay detected"
    public static let decryptionFailed: StaticString = "Decryption failed"

    /// The code and diagnostic for `error`, or nil when RFC 8613 defines no response (errors
    /// of the sending side).
    public static func codeAndDiagnostic(for error: OSCOREError) -> (code: CoAPCode, diagnostic: StaticString)? {
        switch error {
        case .malformed: return (.badOption, decodeFailed)
        case .securityContextNotFound, .keyUsageLimitReached, .contextWiped: return (.unauthorized, contextNotFound)
        case .replayDetected: return (.unauthorized, replayDetected)
        case .decryptionFailed: return (.badRequest, decryptionFailed)
        case .sequenceNumberExhausted, .invalidParameter, .outputTooSmall: return nil
        }
    }

    /// Writes the error response to `request` for `error`: piggybacked (ACK, the request's
    /// Message ID) for a confirmable request, else non-confirmable with `messageID`; the
    /// request's Token; Max-Age 0; the diagnostic payload.
    ///
    /// - Returns: false (writing nothing) when `error` has no response.
    @_lifetime(writer: copy writer)
    public static func write(for error: OSCOREError, request: borrowing CoAPMessage, messageID: UInt16,
                             into writer: inout ByteWriter) throws(CoAPError) -> Bool {
        guard let response = codeAndDiagnostic(for: error) else { return false }
        let confirmable = request.type == .confirmable
        var builder = CoAPMessageBuilder()
        try builder.header(type: confirmable ? .acknowledgement : .nonConfirmable, code: response.code,
                           messageID: confirmable ? request.messageID : messageID,
                           token: request.token, into: &writer)
        try builder.option(.maxAge, uint: 0, into: &writer)
        let text = UnsafeBufferPointer(start: response.diagnostic.utf8Start,
                                       count: response.diagnostic.utf8CodeUnitCount)
        try builder.payload(text.span, into: &writer)
        return true
    }
}

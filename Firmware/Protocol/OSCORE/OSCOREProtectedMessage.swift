/// A received OSCORE message (RFC 8613 §6): the outer CoAP message, its decoded OSCORE
/// option and its ciphertext. Parse it first to learn the 'kid' and 'kid context' that
/// select the Recipient Context (§8.2 step 2), then unprotect it with that context.
public struct OSCOREProtectedMessage: ~Escapable {
    public let message: CoAPMessage
    public let optionValue: OSCOREOptionValue

    /// - Throws: `.malformed` — `.invalidCoAP`, `.missingOSCOREOption`,
    ///   `.repeatedOSCOREOption`, `.ciphertextTooShort`, or an option value error.
    @_lifetime(copy bytes)
    public init(parsing bytes: Span<UInt8>) throws(OSCOREError) {
        let message: CoAPMessage
        do throws(CoAPError) {
            message = try CoAPMessage(parsing: bytes)
        } catch {
            throw .malformed(.invalidCoAP(error))
        }
        let options = message.options
        switch options.occurrences(of: .oscore) {
        case 0: throw .malformed(.missingOSCOREOption)
        case 1: break
        default: throw .malformed(.repeatedOSCOREOption)
        }
        guard let value = options.first(.oscore) else { throw .malformed(.missingOSCOREOption) }
        optionValue = try OSCOREOptionValue(parsing: value)
        // The plaintext holds at least the code byte (§5.3).
        guard message.payload.count > OSCOREAlgorithm.tagLength else { throw .malformed(.ciphertextTooShort) }
        self.message = message
    }

    /// The 'kid' (the sender's Sender ID), when present.
    public var kid: Span<UInt8>? {
        @_lifetime(copy self)
        get { optionValue.kid }
    }

    /// The 'kid context', when present.
    public var kidContext: Span<UInt8>? {
        @_lifetime(copy self)
        get { optionValue.kidContext }
    }

    /// The ciphertext (the payload, tag included).
    public var ciphertext: Span<UInt8> {
        @_lifetime(copy self)
        get { message.payload }
    }
}

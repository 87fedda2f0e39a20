import RampartCrypto

/// Why an EDHOC session was aborted (RFC 9528 §6: on any of these the endpoint stops the
/// session and may send an error message with `errorCode`). Every malformed or hostile input
/// ends here; nothing traps.
public enum EDHOCError: Error, Equatable, Sendable {
    /// A message is not well-formed CBOR of the expected shape (RFC 9528 §5, and the
    /// invalid traces of RFC 9529 §4: surplus encodings, wrong types, wrong element counts).
    case malformedMessage(CBORError)
    /// METHOD is not 3 (the only method of this profile).
    case unsupportedMethod
    /// The Initiator's selected cipher suite is unsupported, or a suite it prefers is
    /// supported (§6.3): the Responder answers with ERR_CODE 2 and SUITES_R.
    case wrongSelectedCipherSuite
    /// A configuration names a cipher suite other than 0 and 2.
    case unsupportedCipherSuite
    /// A public key is not a valid point (off the curve, infinity, or an X25519 low-order key).
    case invalidPublicKey
    /// MAC_2 or MAC_3 did not verify.
    case macVerificationFailed
    /// The AEAD tag of message_3 or message_4 did not verify.
    case decryptionFailed
    /// ID_CRED names a kid for which the application has no credential, or the credential
    /// given does not carry that kid (answered with ERR_CODE 3).
    case unknownCredential
    /// ID_CRED is not a kid reference, or a credential is not a CCS with a key of the suite.
    case unsupportedCredential
    /// A critical EAD item (negative ead_label) the application does not understand (§3.8).
    case criticalEADNotUnderstood
    /// A field is longer than its `EDHOCLimits` bound.
    case tooLong
    /// The output buffer given for a message is too small.
    case bufferTooSmall
    /// C_R equals C_I, which the OSCORE mapping (Appendix A.1) forbids.
    case connectionIdentifierClash
    /// The peer sent an EDHOC error message with this ERR_CODE.
    case errorMessageReceived(code: Int32)
    /// message_4 arrived twice, or in the wrong role.
    case unexpectedMessage
    /// A primitive failed (out-of-range key, HKDF length).
    case cryptoFailure

    /// The ERR_CODE an endpoint sends for this failure (§6.2): 2 for suite negotiation,
    /// 3 for an unknown credential, 1 (unspecified) otherwise.
    public var errorCode: Int32 {
        switch self {
        case .wrongSelectedCipherSuite: 2
        case .unknownCredential: 3
        default: 1
        }
    }
}

extension EDHOCError {
    init(_ error: CryptoError) {
        switch error {
        case .invalidPublicKey, .weakSharedSecret: self = .invalidPublicKey
        case .authenticationFailed: self = .decryptionFailed
        default: self = .cryptoFailure
        }
    }
}

/// Why OSCORE processing stopped (RFC 8613 §8). Each case says what was wrong; the
/// unprotected error response for a request, if any, comes from `OSCOREErrorResponse`.
public enum OSCOREError: Error, Equatable, Sendable {
    /// No Recipient Context for the request's 'kid' (and 'kid context') (§8.2 step 2).
    case securityContextNotFound
    /// The AEAD tag did not verify (§8.2 step 6, §8.4 step 5). Counted in `v`.
    case decryptionFailed
    /// The request's Partial IV was received before or is older than the window (§7.4).
    case replayDetected
    /// The message is not a well-formed OSCORE message (§8.2 step 2: "fails to decode").
    case malformed(OSCOREMalformation)
    /// The Sender Sequence Number passed its maximum, 2^40 − 1 (§7.2.1): re-key.
    case sequenceNumberExhausted
    /// A key reached its usage limit (q for the Sender Key, v for the Recipient Key;
    /// draft-ietf-core-oscore-key-limits §2.2-2.3): re-key.
    case keyUsageLimitReached
    /// The context was wiped (revoked, or replaced by a re-key).
    case contextWiped
    /// A context parameter is out of range: Sender or Recipient ID over 7 bytes (§3.3),
    /// ID Context over `OSCORELimits.idContextLengthMax`, or a derivation failure.
    case invalidParameter
    /// The scratch or output buffer is too small.
    case outputTooSmall
}

/// What made a message fail to decode as OSCORE.
public enum OSCOREMalformation: Equatable, Sendable {
    /// The CoAP message itself is malformed.
    case invalidCoAP(CoAPError)
    /// The decrypted plaintext is not a code followed by options and payload (§5.3).
    case invalidPlaintext(CoAPError)
    /// No OSCORE option (§2).
    case missingOSCOREOption
    /// More than one OSCORE option (§2: not repeatable).
    case repeatedOSCOREOption
    /// An OSCORE option inside the message to protect, or inside a plaintext (§4.1.3.7:
    /// nested OSCORE is not supported).
    case nestedOSCOREOption
    /// Flag bits 5-7 set (§6.1).
    case reservedFlagBits
    /// Partial IV length n of 6 or 7 (§6.1).
    case reservedPartialIVLength
    /// An option value of a single zero flag byte; all-zero flags must be an empty value (§2).
    case zeroFlagsNotEmpty
    /// The option value ends before its Partial IV or 'kid context'.
    case truncatedOptionValue
    /// Bytes after the Partial IV and 'kid context' when the 'kid' flag is clear.
    case trailingOptionBytes
    /// A Partial IV with a leading zero byte (§5: leading zeros SHALL be removed).
    case nonMinimalPartialIV
    /// A request without a Partial IV (§5: it SHALL be present in requests).
    case missingPartialIV
    /// A request without a 'kid' (§5: it SHALL be present in requests).
    case missingKid
    /// No payload, or one shorter than a tag plus the code byte (§2, §5.3).
    case ciphertextTooShort
    /// A request code where a response was expected, or the reverse.
    case unexpectedCode
}

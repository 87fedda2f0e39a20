import RampartCrypto

/// A completed EDHOC session (either role): PRK_out and what message_4, the exporter and
/// KeyUpdate need (RFC 9528 §4.2, §5.5, Appendix H). `close()` zeroes its secrets.
public struct EDHOCSession: ~Copyable {
    public enum Role: Sendable { case initiator, responder }

    public let role: Role
    public let suite: EDHOCCipherSuite
    var prkOut: Bytes32
    var prkExporter: Bytes32
    var prk4e3m: Bytes32
    let th4: Bytes32
    var message4Handled = false
    /// C_I and C_R.
    public let initiatorConnectionID: EDHOCIdentifier
    public let responderConnectionID: EDHOCIdentifier
    /// The peer's kid (ID_CRED_R for the Initiator, ID_CRED_I for the Responder).
    public let peerKeyID: EDHOCIdentifier

    init<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        _ crypto: borrowing Crypto, role: Role, suite: EDHOCCipherSuite, prkOut: Bytes32, prk4e3m: Bytes32, th4: Bytes32,
        initiatorConnectionID: EDHOCIdentifier, responderConnectionID: EDHOCIdentifier, peerKeyID: EDHOCIdentifier,
        trace: Trace
    ) {
        self.role = role
        self.suite = suite
        self.prkOut = prkOut
        self.prkExporter = Self.derivePRKExporter(crypto, prkOut: prkOut)
        self.prk4e3m = prk4e3m
        self.th4 = th4
        self.initiatorConnectionID = initiatorConnectionID
        self.responderConnectionID = responderConnectionID
        self.peerKeyID = peerKeyID
        trace.record("PRK_exporter", prkExporter.span)
    }

    /// Ends the session, zeroing PRK_out and the keys derived from it.
    public consuming func close() { wipeSecrets() }

    mutating func wipeSecrets() {
        prkOut.wipe()
        prkExporter.wipe()
        prk4e3m.wipe()
    }

    /// PRK_exporter = EDHOC_KDF(PRK_out, 10, h'', hash_length) (§4.2.1).
    static func derivePRKExporter<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, prkOut: Bytes32) -> Bytes32 {
        // A 32-byte output of HKDF-Expand with a 4-byte info cannot fail.
        (try? KeySchedule.kdf32(crypto, prk: prkOut, label: KeySchedule.prkExporter, context: Span())) ?? .zero
    }

    /// EDHOC_Exporter(label, context, length) = EDHOC_KDF(PRK_exporter, label, context,
    /// length), filling `output` (§4.2.1). Labels 0 and 1 are OSCORE's (Appendix A.1).
    public func exporter<Crypto: CryptoProvider>(crypto: borrowing Crypto, label: UInt32, context: Span<UInt8> = Span(),
                                                 into output: inout MutableSpan<UInt8>) throws(EDHOCError) {
        try KeySchedule.kdf(crypto, prk: prkExporter.span, label: label, context: context, into: &output)
    }

    /// EDHOC_KeyUpdate(context) (Appendix H): PRK_out = EDHOC_KDF(PRK_out, 11, context,
    /// hash_length), and PRK_exporter follows. Both parties must use the same context.
    public mutating func keyUpdate<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, context: Span<UInt8>, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) {
        let updated = try KeySchedule.kdf32(crypto, prk: prkOut, label: KeySchedule.keyUpdate, context: context)
        prkOut.wipe()
        prkOut = updated
        prkExporter.wipe()
        prkExporter = Self.derivePRKExporter(crypto, prkOut: prkOut)
        trace.record("PRK_out after KeyUpdate", prkOut.span)
        trace.record("PRK_exporter after KeyUpdate", prkExporter.span)
    }

    /// The bytes of PRK_out (for the trace tool and tests; it is a secret).
    public var prkOutForTrace: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get { _overrideLifetime(prkOut.span, borrowing: self) }
    }

    // OSCORE parameters (RFC 9528 Appendix A.1).

    /// Length of the OSCORE Master Secret and Master Salt derived from EDHOC.
    public static let oscoreMasterSecretLength = 16
    public static let oscoreMasterSaltLength = 8

    /// OSCORE Master Secret = EDHOC_Exporter(0, h'', 16).
    public func oscoreMasterSecret<Crypto: CryptoProvider>(crypto: borrowing Crypto) throws(EDHOCError) -> Bytes16 {
        var secret = Bytes16.zero
        var span = secret.mutableSpan
        try exporter(crypto: crypto, label: 0, into: &span)
        return secret
    }

    /// OSCORE Master Salt = EDHOC_Exporter(1, h'', 8).
    public func oscoreMasterSalt<Crypto: CryptoProvider>(crypto: borrowing Crypto) throws(EDHOCError) -> InlineArray<8, UInt8> {
        var salt = InlineArray<8, UInt8>(repeating: 0)
        var span = salt.mutableSpan
        try exporter(crypto: crypto, label: 1, into: &span)
        return salt
    }

    /// This endpoint's OSCORE Sender ID: the connection identifier the peer chose
    /// (the Initiator sends with C_R, the Responder with C_I).
    public var oscoreSenderID: EDHOCIdentifier { role == .initiator ? responderConnectionID : initiatorConnectionID }
    /// This endpoint's OSCORE Recipient ID: its own connection identifier.
    public var oscoreRecipientID: EDHOCIdentifier { role == .initiator ? initiatorConnectionID : responderConnectionID }
}

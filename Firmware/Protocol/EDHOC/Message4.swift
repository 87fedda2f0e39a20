import RampartCrypto

// message_4 (RFC 9528 §5.5): CIPHERTEXT_4, the AEAD encryption under K_4/IV_4 of
// PLAINTEXT_4 = ( ? EAD_4 ) with A_4 = ["Encrypt0", h'', TH_4]. Optional; sent by the Responder.

extension EDHOCSession {
    /// Writes message_4 (Responder only, once).
    public mutating func prepareMessage4<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, ead4: Span<UInt8> = Span(), into writer: inout ByteWriter,
        trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) {
        guard role == .responder, !message4Handled else { throw .unexpectedMessage }
        try EAD.validate(ead4, understood: { _ in true })
        var keys = try KeySchedule.aeadKeyAndIV(crypto, prk: prk4e3m, th: th4, keyLabel: KeySchedule.k4, ivLabel: KeySchedule.iv4)
        defer { keys.key.wipe() }
        trace.record("K_4", keys.key.span)
        trace.record("IV_4", keys.iv.span)
        let aad = KeySchedule.encStructure(th: th4)
        trace.record("A_4", aad.span)
        trace.record("PLAINTEXT_4", ead4)
        var ciphertext = CiphertextStorage(repeating: 0)
        let ciphertextCount = ead4.count + EDHOCCipherSuite.tagLength
        do {
            var all = ciphertext.mutableSpan
            var out = all.extracting(0..<ciphertextCount)
            try KeySchedule.seal(crypto, key: keys.key, nonce: keys.iv.span, aad: aad.span, plaintext: ead4,
                                 into: &out)
        }
        trace.record("CIPHERTEXT_4", ciphertext.span.extracting(0..<ciphertextCount))
        let start = writer.count
        do { try writer.cborByteString(ciphertext.span.extracting(0..<ciphertextCount)) } catch { throw .bufferTooSmall }
        trace.record("message_4", writer.written(from: start))
        message4Handled = true
    }

    /// Verifies message_4 (Initiator only, once) and returns EAD_4 (checked against the
    /// critical-item rule).
    public mutating func processMessage4<Crypto: CryptoProvider>(
        crypto: borrowing Crypto, message4: Span<UInt8>, understoodEAD: (Int32) -> Bool = EAD.understandsNone
    ) throws(EDHOCError) -> EADStorage {
        guard role == .initiator, !message4Handled else { throw .unexpectedMessage }
        if let error = EDHOCErrorMessage(parsing: message4) { throw .errorMessageReceived(code: error.code) }
        var reader = CBORReader(message4)
        let ciphertext4 = try reader.edhocByteString()
        try reader.edhocFinish()
        guard ciphertext4.count >= EDHOCCipherSuite.tagLength else { throw .malformedMessage(.truncated) }
        let plaintextCount = ciphertext4.count - EDHOCCipherSuite.tagLength
        guard plaintextCount <= EDHOCLimits.maxEADByteCount else { throw .tooLong }
        var keys = try KeySchedule.aeadKeyAndIV(crypto, prk: prk4e3m, th: th4, keyLabel: KeySchedule.k4, ivLabel: KeySchedule.iv4)
        defer { keys.key.wipe() }
        let aad = KeySchedule.encStructure(th: th4)
        var plaintext = InlineArray<64, UInt8>(repeating: 0)
        do {
            var all = plaintext.mutableSpan
            var out = all.extracting(0..<plaintextCount)
            try KeySchedule.open(crypto, key: keys.key, nonce: keys.iv.span, aad: aad.span, ciphertextAndTag: ciphertext4,
                                 into: &out)
        }
        let ead4 = plaintext.span.extracting(0..<plaintextCount)
        try EAD.validate(ead4, understood: understoodEAD)
        message4Handled = true
        do { return try BoundedBytes(copying: ead4) } catch { throw .tooLong }
    }
}

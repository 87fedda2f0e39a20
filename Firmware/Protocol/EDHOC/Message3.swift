import RampartCrypto

// message_3 (RFC 9528 §5.4): CIPHERTEXT_3, the AEAD encryption under K_3/IV_3 of
// PLAINTEXT_3 = (ID_CRED_I, Signature_or_MAC_3, ? EAD_3) with A_3 = ["Encrypt0", h'', TH_3].

/// MAC_3 = EDHOC_KDF(PRK_4e3m, 6, context_3, mac_length_3), with
/// context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >> (§5.4.2).
func computeMAC3<Crypto: CryptoProvider, Trace: EDHOCTrace>(
    _ crypto: borrowing Crypto, prk4e3m: Bytes32, credentialI: EDHOCCredential, th3: Bytes32,
    ead3: Span<UInt8>, trace: Trace
) throws(EDHOCError) -> InlineArray<8, UInt8> {
    let credential = credentialI.bytes.span
    let contextLength = 3 + credentialI.keyID.count + 34 + credential.count + ead3.count
    var mac = InlineArray<8, UInt8>(repeating: 0)
    var macSpan = mac.mutableSpan
    try KeySchedule.kdf(crypto, prk: prk4e3m.span, label: KeySchedule.mac3, contextLength: contextLength,
                        context: { w throws(ProtocolBufferError) in
                            try credentialI.keyID.encodeIDCred(into: &w)
                            try w.cborByteString(th3.span)
                            try w.append(credential)
                            try w.append(ead3)
                        }, into: &macSpan, trace: trace, contextName: "context_3")
    trace.record("MAC_3", mac.span)
    return mac
}

/// TH_4 = H( TH_3, PLAINTEXT_3, CRED_I ) (§5.4.2).
func transcriptHash4<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, th3: Bytes32, plaintext3: Span<UInt8>,
                                             credentialI: Span<UInt8>) throws(EDHOCError) -> Bytes32 {
    try KeySchedule.transcriptHash(crypto) { w throws(ProtocolBufferError) in
        try w.cborByteString(th3.span)
        try w.append(plaintext3)
        try w.append(credentialI)
    }
}

/// PRK_out = EDHOC_KDF(PRK_4e3m, 7, TH_4, hash_length) (§4.1.3).
func derivePRKOut<Crypto: CryptoProvider, Trace: EDHOCTrace>(_ crypto: borrowing Crypto, prk4e3m: Bytes32, th4: Bytes32,
                                                             trace: Trace) throws(EDHOCError) -> Bytes32 {
    let prkOut = try KeySchedule.kdf32(crypto, prk: prk4e3m, label: KeySchedule.prkOut, context: th4.span)
    trace.record("PRK_out", prkOut.span)
    return prkOut
}

/// Bytes of CIPHERTEXT_3 or CIPHERTEXT_4 at most.
let maxCiphertextByteCount = EDHOCLimits.maxPlaintextByteCount + EDHOCCipherSuite.tagLength

extension EDHOCInitiatorProcessedM2 {
    /// Writes message_3 (§5.4.1) and completes the Initiator's side of the handshake.
    public consuming func prepareMessage3<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, staticKey: borrowing EDHOCStaticKey, ead3: Span<UInt8> = Span(),
        into writer: inout ByteWriter, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCSession {
        defer { wipeSecrets() }
        try EAD.validate(ead3, understood: { _ in true })
        let credentialI = staticKey.credential
        let mac3 = try computeMAC3(crypto, prk4e3m: prk4e3m, credentialI: credentialI, th3: th3, ead3: ead3, trace: trace)

        var plaintext3 = PlaintextStorage()
        defer { plaintext3.removeAll() }
        do {
            try plaintext3.write { w throws(ProtocolBufferError) in
                try credentialI.keyID.encodeCompact(into: &w)
                try w.cborByteString(mac3.span)
                try w.append(ead3)
            }
        } catch { throw .tooLong }
        trace.record("PLAINTEXT_3", plaintext3.span)

        var keys = try KeySchedule.aeadKeyAndIV(crypto, prk: prk3e2m, th: th3, keyLabel: KeySchedule.k3, ivLabel: KeySchedule.iv3)
        defer { keys.key.wipe() }
        trace.record("K_3", keys.key.span)
        trace.record("IV_3", keys.iv.span)
        let aad = KeySchedule.encStructure(th: th3)
        trace.record("A_3", aad.span)
        var ciphertext = CiphertextStorage(repeating: 0)
        let ciphertextCount = plaintext3.count + EDHOCCipherSuite.tagLength
        do {
            var all = ciphertext.mutableSpan
            var out = all.extracting(0..<ciphertextCount)
            try KeySchedule.seal(crypto, key: keys.key, nonce: keys.iv.span, aad: aad.span, plaintext: plaintext3.span,
                                 into: &out)
        }
        let ciphertext3 = ciphertext.span.extracting(0..<ciphertextCount)
        trace.record("CIPHERTEXT_3", ciphertext3)

        let start = writer.count
        do { try writer.cborByteString(ciphertext3) } catch { throw .bufferTooSmall }
        trace.record("message_3", writer.written(from: start))

        let th4 = try transcriptHash4(crypto, th3: th3, plaintext3: plaintext3.span, credentialI: credentialI.bytes.span)
        trace.record("TH_4", th4.span)
        let prkOut = try derivePRKOut(crypto, prk4e3m: prk4e3m, th4: th4, trace: trace)
        return EDHOCSession(crypto, role: .initiator, suite: suite, prkOut: prkOut, prk4e3m: prk4e3m, th4: th4,
                            initiatorConnectionID: connectionID, responderConnectionID: peerConnectionID,
                            peerKeyID: peerKeyID, trace: trace)
    }
}

extension EDHOCResponderWaitM3 {
    /// Whether `message1` is a retransmission of the message_1 this session answered; if so
    /// the caller resends `message2` instead of starting anything new (§A.2, deduplication).
    public func isRetransmission<Crypto: CryptoProvider>(ofMessage1 message1: Span<UInt8>, crypto: borrowing Crypto) -> Bool {
        isRetransmission(digestOfMessage1: crypto.sha256(message1))
    }

    /// As `isRetransmission(ofMessage1:crypto:)`, given SHA-256(message_1).
    public func isRetransmission(digestOfMessage1 digest: Bytes32) -> Bool {
        constantTimeEqual(digest.span, hashMessage1.span)
    }

    /// Decrypts message_3 and parses PLAINTEXT_3 (§5.4.3). The application then finds
    /// CRED_I for `peerKeyID` and calls `verifyMessage3`.
    public consuming func processMessage3<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, message3: Span<UInt8>,
        understoodEAD: (Int32) -> Bool = EAD.understandsNone, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCResponderProcessingM3 {
        defer { wipeSecrets() }
        if let error = EDHOCErrorMessage(parsing: message3) { throw .errorMessageReceived(code: error.code) }
        var reader = CBORReader(message3)
        let ciphertext3 = try reader.edhocByteString()
        try reader.edhocFinish()
        guard ciphertext3.count > EDHOCCipherSuite.tagLength else { throw .malformedMessage(.truncated) }
        guard ciphertext3.count <= maxCiphertextByteCount else { throw .tooLong }

        var keys = try KeySchedule.aeadKeyAndIV(crypto, prk: prk3e2m, th: th3, keyLabel: KeySchedule.k3, ivLabel: KeySchedule.iv3)
        defer { keys.key.wipe() }
        let aad = KeySchedule.encStructure(th: th3)
        var plaintext = InlineArray<96, UInt8>(repeating: 0)
        defer { plaintext.wipe() }
        let plaintextCount = ciphertext3.count - EDHOCCipherSuite.tagLength
        do {
            var all = plaintext.mutableSpan
            var out = all.extracting(0..<plaintextCount)
            try KeySchedule.open(crypto, key: keys.key, nonce: keys.iv.span, aad: aad.span, ciphertextAndTag: ciphertext3,
                                 into: &out)
        }
        var plaintext3: PlaintextStorage
        do { plaintext3 = try BoundedBytes(copying: plaintext.span.extracting(0..<plaintextCount)) } catch { throw .tooLong }
        trace.record("PLAINTEXT_3", plaintext3.span)

        // PLAINTEXT_3 = ( ID_CRED_I / bstr / -24..23, Signature_or_MAC_3, ? EAD_3 )
        var fields = CBORReader(plaintext3.span)
        let peerKeyID = try EDHOCIdentifier.readCompact(from: &fields)
        let macBytes = try fields.edhocByteString(length: EDHOCCipherSuite.macLength)
        var mac3 = InlineArray<8, UInt8>(repeating: 0)
        for i in 0..<8 { mac3[i] = macBytes[i] }
        let ead3Range = fields.offset..<plaintext3.count
        try EAD.validate(plaintext3.span.extracting(ead3Range), understood: understoodEAD)
        return EDHOCResponderProcessingM3(
            suite: suite, y: y, prk3e2m: prk3e2m, th3: th3, plaintext3: plaintext3, mac3: mac3, ead3Range: ead3Range,
            connectionID: connectionID, peerConnectionID: peerConnectionID, peerKeyID: peerKeyID)
    }
}

extension EDHOCResponderProcessingM3 {
    /// Verifies MAC_3 with the Initiator's credential and completes the Responder's side.
    public consuming func verifyMessage3<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, credentialI: EDHOCCredential, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCSession {
        defer { wipeSecrets() }
        guard credentialI.keyID == peerKeyID else { throw .unknownCredential }
        guard credentialI.suite == suite else { throw .unsupportedCredential }
        var gIY = try suite.sharedSecret(crypto, privateKey: y, publicKey: credentialI.publicKey)
        var salt4e3m = try KeySchedule.kdf32(crypto, prk: prk3e2m, label: KeySchedule.salt4e3m, context: th3.span)
        var prk4e3m = KeySchedule.extract(crypto, salt: salt4e3m.span, ikm: gIY.span)
        gIY.wipe()
        salt4e3m.wipe()
        let expected = try computeMAC3(crypto, prk4e3m: prk4e3m, credentialI: credentialI, th3: th3, ead3: ead3, trace: trace)
        guard constantTimeEqual(expected.span, mac3.span) else {
            prk4e3m.wipe()
            throw .macVerificationFailed
        }
        let th4 = try transcriptHash4(crypto, th3: th3, plaintext3: plaintext3.span, credentialI: credentialI.bytes.span)
        trace.record("TH_4", th4.span)
        let prkOut = try derivePRKOut(crypto, prk4e3m: prk4e3m, th4: th4, trace: trace)
        let session = EDHOCSession(crypto, role: .responder, suite: suite, prkOut: prkOut, prk4e3m: prk4e3m, th4: th4,
                                   initiatorConnectionID: peerConnectionID, responderConnectionID: connectionID,
                                   peerKeyID: peerKeyID, trace: trace)
        prk4e3m.wipe()
        return session
    }
}

import RampartCrypto

// message_2 (RFC 9528 §5.3): G_Y_CIPHERTEXT_2, where PLAINTEXT_2 = (C_R, ID_CRED_R,
// Signature_or_MAC_2, ? EAD_2) is encrypted with KEYSTREAM_2.

/// MAC_2 = EDHOC_KDF(PRK_3e2m, 2, context_2, mac_length_2), with
/// context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >> (§5.3.2).
func computeMAC2<Crypto: CryptoProvider, Trace: EDHOCTrace>(
    _ crypto: borrowing Crypto, prk3e2m: Bytes32, connectionIDR: EDHOCIdentifier, credentialR: EDHOCCredential,
    th2: Bytes32, ead2: Span<UInt8>, trace: Trace
) throws(EDHOCError) -> InlineArray<8, UInt8> {
    let credential = credentialR.bytes.span
    let contextLength = connectionIDR.compactByteCount + 3 + credentialR.keyID.count + 34 + credential.count + ead2.count
    var mac = InlineArray<8, UInt8>(repeating: 0)
    var macSpan = mac.mutableSpan
    try KeySchedule.kdf(crypto, prk: prk3e2m.span, label: KeySchedule.mac2, contextLength: contextLength,
                        context: { w throws(ProtocolBufferError) in
                            try connectionIDR.encodeCompact(into: &w)
                            try credentialR.keyID.encodeIDCred(into: &w)
                            try w.cborByteString(th2.span)
                            try w.append(credential)
                            try w.append(ead2)
                        }, into: &macSpan, trace: trace, contextName: "context_2")
    trace.record("MAC_2", mac.span)
    return mac
}

/// TH_2 = H( G_Y, H(message_1) ) (§5.3.2).
func transcriptHash2<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, gY: Bytes32, hashMessage1: Bytes32) throws(EDHOCError) -> Bytes32 {
    try KeySchedule.transcriptHash(crypto) { w throws(ProtocolBufferError) in
        try w.cborByteString(gY.span)
        try w.cborByteString(hashMessage1.span)
    }
}

/// TH_3 = H( TH_2, PLAINTEXT_2, CRED_R ) (§5.3.2).
func transcriptHash3<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, th2: Bytes32, plaintext2: Span<UInt8>,
                                             credentialR: Span<UInt8>) throws(EDHOCError) -> Bytes32 {
    try KeySchedule.transcriptHash(crypto) { w throws(ProtocolBufferError) in
        try w.cborByteString(th2.span)
        try w.append(plaintext2)
        try w.append(credentialR)
    }
}

/// XORs `bytes` with KEYSTREAM_2 = EDHOC_KDF(PRK_2e, 0, TH_2, plaintext_length) in place.
func applyKeystream2<Crypto: CryptoProvider, Trace: EDHOCTrace>(
    _ crypto: borrowing Crypto, prk2e: Bytes32, th2: Bytes32,
    _ bytes: inout PlaintextStorage, trace: Trace
) throws(EDHOCError) {
    var keystream = InlineArray<96, UInt8>(repeating: 0)
    defer { keystream.wipe() }
    var span = keystream.mutableSpan
    var output = span.extracting(0..<bytes.count)
    try KeySchedule.kdf(crypto, prk: prk2e.span, label: KeySchedule.keystream2, context: th2.span, into: &output)
    trace.record("KEYSTREAM_2", keystream.span.extracting(0..<bytes.count))
    bytes.xor(keystream.span)
}

extension EDHOCResponderProcessingM1 {
    /// Writes message_2 (§5.3.1) authenticated with `staticKey` (R, CRED_R).
    /// `ephemeralKey` injects Y (tests, traces).
    public consuming func prepareMessage2<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: inout Crypto, staticKey: borrowing EDHOCStaticKey, ephemeralKey: Bytes32? = nil,
        ead2: Span<UInt8> = Span(), into writer: inout ByteWriter, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCResponderWaitM3 {
        guard staticKey.credential.suite == suite else { throw .unsupportedCredential }
        guard connectionID != peerConnectionID else { throw .connectionIdentifierClash }
        try EAD.validate(ead2, understood: { _ in true })

        var y = ephemeralKey ?? suite.generatePrivateKey(&crypto)
        var gXY = Bytes32.zero, prk2e = Bytes32.zero, salt3e2m = Bytes32.zero, gRX = Bytes32.zero, prk3e2m = Bytes32.zero
        var plaintext2 = PlaintextStorage()
        defer { y.wipe(); gXY.wipe(); prk2e.wipe(); salt3e2m.wipe(); gRX.wipe(); plaintext2.removeAll() }
        let gY = try suite.publicKey(crypto, privateKey: y)
        trace.record("Y", y.span)
        trace.record("G_Y", gY.span)
        let th2 = try transcriptHash2(crypto, gY: gY, hashMessage1: hashMessage1)
        trace.record("TH_2", th2.span)
        gXY = try suite.sharedSecret(crypto, privateKey: y, publicKey: gX)
        trace.record("G_XY", gXY.span)
        prk2e = KeySchedule.extract(crypto, salt: th2.span, ikm: gXY.span)
        trace.record("PRK_2e", prk2e.span)
        salt3e2m = try KeySchedule.kdf32(crypto, prk: prk2e, label: KeySchedule.salt3e2m, context: th2.span)
        trace.record("SALT_3e2m", salt3e2m.span)
        gRX = try suite.sharedSecret(crypto, privateKey: staticKey.privateKey, publicKey: gX)
        trace.record("G_RX", gRX.span)
        prk3e2m = KeySchedule.extract(crypto, salt: salt3e2m.span, ikm: gRX.span)
        trace.record("PRK_3e2m", prk3e2m.span)
        let mac2 = try computeMAC2(crypto, prk3e2m: prk3e2m, connectionIDR: connectionID,
                                   credentialR: staticKey.credential, th2: th2, ead2: ead2, trace: trace)

        do {
            try plaintext2.write { w throws(ProtocolBufferError) in
                try connectionID.encodeCompact(into: &w)
                try staticKey.credential.keyID.encodeCompact(into: &w)
                try w.cborByteString(mac2.span)
                try w.append(ead2)
            }
        } catch { throw EDHOCError.tooLong }
        trace.record("PLAINTEXT_2", plaintext2.span)
        let th3 = try transcriptHash3(crypto, th2: th2, plaintext2: plaintext2.span,
                                      credentialR: staticKey.credential.bytes.span)

        var ciphertext2 = plaintext2
        try applyKeystream2(crypto, prk2e: prk2e, th2: th2, &ciphertext2, trace: trace)
        trace.record("CIPHERTEXT_2", ciphertext2.span)

        let start = writer.count
        do {
            try writer.cborHead(.byteString, UInt32(truncatingIfNeeded: 32 + ciphertext2.count))
            try writer.append(gY.span)
            try writer.append(ciphertext2.span)
        } catch { throw EDHOCError.bufferTooSmall }
        let message2 = writer.written(from: start)
        trace.record("message_2", message2)
        trace.record("TH_3", th3.span)
        let kept: Message2Storage
        do { kept = try BoundedBytes(copying: message2) } catch { throw EDHOCError.tooLong }
        let next = EDHOCResponderWaitM3(
            suite: suite, y: y, prk3e2m: prk3e2m, th3: th3, hashMessage1: hashMessage1, message2: kept,
            connectionID: connectionID, peerConnectionID: peerConnectionID)
        return next
    }
}

extension EDHOCInitiatorWaitM2 {
    /// Decrypts message_2 and parses PLAINTEXT_2 (§5.3.3). The application then finds
    /// CRED_R for `peerKeyID` and calls `verifyMessage2`. An EDHOC error message in place
    /// of message_2 throws `.errorMessageReceived(code:)` (read it with `EDHOCErrorMessage`).
    public consuming func processMessage2<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, message2: Span<UInt8>,
        understoodEAD: (Int32) -> Bool = EAD.understandsNone, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCInitiatorProcessingM2 {
        defer { wipeSecrets() }
        if let error = EDHOCErrorMessage(parsing: message2) { throw .errorMessageReceived(code: error.code) }
        var reader = CBORReader(message2)
        let gYCiphertext2 = try reader.edhocByteString()
        try reader.edhocFinish()
        let ciphertextCount = gYCiphertext2.count - EDHOCCipherSuite.publicKeyLength
        guard ciphertextCount > 0 else { throw .malformedMessage(.truncated) }
        guard ciphertextCount <= EDHOCLimits.maxPlaintextByteCount else { throw .tooLong }
        let gY: Bytes32
        do { gY = try Bytes32(copying: gYCiphertext2.extracting(0..<32)) } catch { throw .malformedMessage(.truncated) }
        var plaintext2: PlaintextStorage
        do { plaintext2 = try BoundedBytes(copying: gYCiphertext2.extracting(32..<gYCiphertext2.count)) } catch { throw .tooLong }

        let th2 = try transcriptHash2(crypto, gY: gY, hashMessage1: hashMessage1)
        trace.record("TH_2", th2.span)
        var gXY = try suite.sharedSecret(crypto, privateKey: x, publicKey: gY)
        var prk2e = KeySchedule.extract(crypto, salt: th2.span, ikm: gXY.span)
        gXY.wipe()
        defer { prk2e.wipe() }
        trace.record("PRK_2e", prk2e.span)
        try applyKeystream2(crypto, prk2e: prk2e, th2: th2, &plaintext2, trace: trace)
        trace.record("PLAINTEXT_2", plaintext2.span)

        // PLAINTEXT_2 = ( C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2, ? EAD_2 )
        var fields = CBORReader(plaintext2.span)
        let peerConnectionID = try EDHOCIdentifier.readCompact(from: &fields)
        let peerKeyID = try EDHOCIdentifier.readCompact(from: &fields)
        let macBytes = try fields.edhocByteString(length: EDHOCCipherSuite.macLength)
        var mac2 = InlineArray<8, UInt8>(repeating: 0)
        for i in 0..<8 { mac2[i] = macBytes[i] }
        let ead2Range = fields.offset..<plaintext2.count
        try EAD.validate(plaintext2.span.extracting(ead2Range), understood: understoodEAD)

        let salt3e2m = try KeySchedule.kdf32(crypto, prk: prk2e, label: KeySchedule.salt3e2m, context: th2.span)
        trace.record("SALT_3e2m", salt3e2m.span)
        return EDHOCInitiatorProcessingM2(
            suite: suite, x: x, gY: gY, th2: th2, salt3e2m: salt3e2m, plaintext2: plaintext2, mac2: mac2,
            ead2Range: ead2Range, connectionID: connectionID, peerConnectionID: peerConnectionID, peerKeyID: peerKeyID)
    }
}

extension EDHOCInitiatorProcessingM2 {
    /// Verifies MAC_2 with the Responder's credential and derives the keys for message_3
    /// (§5.3.3, §4.1.1.3). `staticKey` is the Initiator's own (I, CRED_I).
    public consuming func verifyMessage2<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, staticKey: borrowing EDHOCStaticKey, credentialR: EDHOCCredential,
        trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCInitiatorProcessedM2 {
        defer { wipeSecrets() }
        guard credentialR.keyID == peerKeyID else { throw .unknownCredential }
        guard credentialR.suite == suite, staticKey.credential.suite == suite else { throw .unsupportedCredential }

        var gRX = try suite.sharedSecret(crypto, privateKey: x, publicKey: credentialR.publicKey)
        var prk3e2m = KeySchedule.extract(crypto, salt: salt3e2m.span, ikm: gRX.span)
        gRX.wipe()
        trace.record("PRK_3e2m", prk3e2m.span)
        let expected = try computeMAC2(crypto, prk3e2m: prk3e2m, connectionIDR: peerConnectionID,
                                       credentialR: credentialR, th2: th2, ead2: ead2, trace: trace)
        guard constantTimeEqual(expected.span, mac2.span) else {
            prk3e2m.wipe()
            throw .macVerificationFailed
        }
        let th3 = try transcriptHash3(crypto, th2: th2, plaintext2: plaintext2.span, credentialR: credentialR.bytes.span)
        trace.record("TH_3", th3.span)

        // §4.1.1.3: PRK_4e3m = EDHOC_Extract(SALT_4e3m, G_IY) for the Initiator's static DH.
        var gIY = try suite.sharedSecret(crypto, privateKey: staticKey.privateKey, publicKey: gY)
        trace.record("G_IY", gIY.span)
        var salt4e3m = try KeySchedule.kdf32(crypto, prk: prk3e2m, label: KeySchedule.salt4e3m, context: th3.span)
        trace.record("SALT_4e3m", salt4e3m.span)
        let prk4e3m = KeySchedule.extract(crypto, salt: salt4e3m.span, ikm: gIY.span)
        trace.record("PRK_4e3m", prk4e3m.span)
        gIY.wipe()
        salt4e3m.wipe()
        return EDHOCInitiatorProcessedM2(
            suite: suite, prk3e2m: prk3e2m, prk4e3m: prk4e3m, th3: th3, connectionID: connectionID,
            peerConnectionID: peerConnectionID, peerKeyID: peerKeyID)
    }
}

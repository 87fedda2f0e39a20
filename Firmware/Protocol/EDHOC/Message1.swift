import RampartCrypto

// message_1 (RFC 9528 §5.2): METHOD, SUITES_I, G_X, C_I, ? EAD_1.

/// METHOD 3: both parties authenticate with static Diffie-Hellman keys (§3.2).
let edhocMethodStaticStatic: Int32 = 3

extension EDHOCInitiator {
    /// Writes message_1 (§5.2.1). `ephemeralKey` injects X (tests, traces); otherwise X is
    /// drawn from the provider's random source.
    public consuming func prepareMessage1<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: inout Crypto, ephemeralKey: Bytes32? = nil, ead1: Span<UInt8> = Span(),
        into writer: inout ByteWriter, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCInitiatorWaitM2 {
        try EAD.validate(ead1, understood: { _ in true })
        var x = ephemeralKey ?? suite.generatePrivateKey(&crypto)
        let gX: Bytes32
        do { gX = try suite.publicKey(crypto, privateKey: x) } catch { x.wipe(); throw error }
        trace.record("X", x.span)
        trace.record("G_X", gX.span)

        let start = writer.count
        do {
            try writer.cborInt(edhocMethodStaticStatic)
            try suites.encode(into: &writer)
            try writer.cborByteString(gX.span)
            try connectionID.encodeCompact(into: &writer)
            try writer.append(ead1)
        } catch {
            x.wipe()
            throw .bufferTooSmall
        }
        let message1 = writer.written(from: start)
        trace.record("message_1", message1)
        let hashMessage1 = crypto.sha256(message1)
        trace.record("H(message_1)", hashMessage1.span)
        return EDHOCInitiatorWaitM2(suite: suite, x: x, hashMessage1: hashMessage1, connectionID: connectionID)
    }
}

extension EDHOCResponder {
    /// Parses message_1 and negotiates the suite (§5.2.3). Throws `.wrongSelectedCipherSuite`
    /// when the Initiator must retry (answer with `EDHOCErrorMessage.writeWrongSelectedCipherSuite`
    /// and `supportedSuites`), `.unsupportedMethod` for a METHOD other than 3.
    public func processMessage1<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        crypto: borrowing Crypto, message1: Span<UInt8>,
        understoodEAD: (Int32) -> Bool = EAD.understandsNone, trace: Trace = NoEDHOCTrace()
    ) throws(EDHOCError) -> EDHOCResponderProcessingM1 {
        var reader = CBORReader(message1)
        guard try reader.edhocInt() == edhocMethodStaticStatic else { throw .unsupportedMethod }
        let suitesI = try EDHOCSuites.read(from: &reader)
        let gXBytes = try reader.edhocByteString()
        let peerConnectionID = try EDHOCIdentifier.readCompact(from: &reader)
        let ead1 = message1.extracting(reader.offset..<message1.count)
        try EAD.validate(ead1, understood: understoodEAD)

        // §6.3.2: accept only if the selected suite is the first in SUITES_I we support.
        var firstSupported: Int32? = nil
        for i in 0..<suitesI.count where supportedSuites.contains(suitesI[i]) {
            firstSupported = suitesI[i]
            break
        }
        guard let selected = suitesI.selected, firstSupported == selected,
              let suite = EDHOCCipherSuite(rawValue: selected) else {
            throw .wrongSelectedCipherSuite
        }
        guard gXBytes.count == EDHOCCipherSuite.publicKeyLength, let gX = try? Bytes32(copying: gXBytes) else {
            throw .invalidPublicKey
        }
        let hashMessage1 = crypto.sha256(message1)
        trace.record("H(message_1)", hashMessage1.span)
        let ead1Storage: EADStorage
        do { ead1Storage = try BoundedBytes(copying: ead1) } catch { throw .tooLong }
        return EDHOCResponderProcessingM1(
            suite: suite, gX: gX, hashMessage1: hashMessage1, ead1Storage: ead1Storage,
            connectionID: connectionID, peerConnectionID: peerConnectionID)
    }
}

extension ByteWriter {
    /// The bytes written since `start` (a message just encoded).
    @_lifetime(borrow self)
    func written(from start: Int) -> Span<UInt8> {
        let all = output.span
        return _overrideLifetime(all.extracting(start..<count), borrowing: self)
    }
}

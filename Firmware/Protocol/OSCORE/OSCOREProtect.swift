import RampartCrypto

extension OSCORESecurityContext {
    /// Protects a request (RFC 8613 §8.1): encrypts Code, Class E options and payload with
    /// the Sender Key under a fresh Partial IV, and writes the OSCORE message — outer Code
    /// POST (FETCH for Observe is out of scope), the same Type, Message ID and Token, the
    /// Class U options and the OSCORE option with Partial IV and 'kid' (and 'kid context'
    /// if `includeKidContext` and the context has an ID Context).
    ///
    /// - Parameters:
    ///   - scratch: workspace of at least `protectScratchLength(messageLength:)` bytes;
    ///     the plaintext left there is wiped.
    /// - Returns: what the client keeps with the Token to verify the response.
    /// - Throws: `.malformed` for an unparsable message, a non-request Code or an OSCORE
    ///   option in it; `.keyUsageLimitReached` at q = 2^20; `.sequenceNumberExhausted`;
    ///   `.outputTooSmall`; `.contextWiped`.
    public mutating func protectRequest<Crypto: CryptoProvider>(
        _ request: Span<UInt8>, crypto: borrowing Crypto, includeKidContext: Bool = false,
        scratch: inout MutableSpan<UInt8>, into output: inout ByteWriter
    ) throws(OSCOREError) -> OSCORERequestBinding {
        guard !isWiped else { throw .contextWiped }
        let original = try Self.parseOriginal(request)
        guard original.code.isRequest else { throw .malformed(.unexpectedCode) }
        defer { Self.wipeScratch(&scratch) }
        let plaintextLength = try Self.writePlaintext(original, into: &scratch)
        try checkCanSeal(plaintextLength: plaintextLength, scratch: scratch)
        guard senderSequenceNumber <= OSCORELimits.senderSequenceNumberMax else { throw .sequenceNumberExhausted }
        let partialIV = OSCOREPartialIV.encode(senderSequenceNumber)
        senderSequenceNumber &+= 1
        let nonce = senderNonce(partialIV: partialIV.span)
        let aad = try OSCOREAAD.make(requestKid: senderID.span, requestPartialIV: partialIV.span)
        let ciphertextLength = try seal(crypto, nonce: nonce, aad: aad.span,
                                        plaintextLength: plaintextLength, scratch: &scratch)
        var optionValue = BoundedBytes<32>()
        do throws(ProtocolBufferError) {
            try optionValue.write { (w: inout ByteWriter) throws(ProtocolBufferError) in
                if includeKidContext && hasIDContext {
                    try OSCOREOptionValue.write(partialIV: partialIV.span, kidContext: idContext.span,
                                                kid: senderID.span, into: &w)
                } else {
                    try OSCOREOptionValue.write(partialIV: partialIV.span, kidContext: nil,
                                                kid: senderID.span, into: &w)
                }
            }
        } catch {
            throw .outputTooSmall
        }
        try Self.writeOuter(original, code: .post, optionValue: optionValue.span,
                            ciphertext: scratch.span.extracting(plaintextLength..<(plaintextLength + ciphertextLength)),
                            into: &output)
        return OSCORERequestBinding(requestKid: senderID, requestPartialIV: partialIV, nonce: nonce)
    }

    /// Protects a response (RFC 8613 §8.3) to the request `request` describes: outer Code
    /// 2.04 (Changed), the external_aad bound to the request's 'kid' and Partial IV.
    /// By default the request's nonce is reused and no Partial IV is sent (§5.2: the usual
    /// single response); with `withPartialIV` the response uses a fresh Partial IV of its own.
    ///
    /// - Throws: as `protectRequest`, with `.malformed(.unexpectedCode)` for a non-response.
    public mutating func protectResponse<Crypto: CryptoProvider>(
        _ response: Span<UInt8>, request: OSCORERequestBinding, crypto: borrowing Crypto,
        withPartialIV: Bool = false, scratch: inout MutableSpan<UInt8>, into output: inout ByteWriter
    ) throws(OSCOREError) {
        guard !isWiped else { throw .contextWiped }
        let original = try Self.parseOriginal(response)
        guard original.code.isResponse else { throw .malformed(.unexpectedCode) }
        defer { Self.wipeScratch(&scratch) }
        let plaintextLength = try Self.writePlaintext(original, into: &scratch)
        try checkCanSeal(plaintextLength: plaintextLength, scratch: scratch)
        var partialIV = OSCOREPartialIVBytes()
        var nonce = request.nonce
        if withPartialIV {
            guard senderSequenceNumber <= OSCORELimits.senderSequenceNumberMax else { throw .sequenceNumberExhausted }
            partialIV = OSCOREPartialIV.encode(senderSequenceNumber)
            senderSequenceNumber &+= 1
            nonce = senderNonce(partialIV: partialIV.span)
        }
        let aad = try OSCOREAAD.make(requestKid: request.requestKid.span,
                                     requestPartialIV: request.requestPartialIV.span)
        let ciphertextLength = try seal(crypto, nonce: nonce, aad: aad.span,
                                        plaintextLength: plaintextLength, scratch: &scratch)
        var optionValue = BoundedBytes<8>()
        do throws(ProtocolBufferError) {
            try optionValue.write { (w: inout ByteWriter) throws(ProtocolBufferError) in
                try OSCOREOptionValue.write(partialIV: partialIV.span, kidContext: nil, kid: nil, into: &w)
            }
        } catch {
            throw .outputTooSmall
        }
        try Self.writeOuter(original, code: .changed, optionValue: optionValue.span,
                            ciphertext: scratch.span.extracting(plaintextLength..<(plaintextLength + ciphertextLength)),
                            into: &output)
    }

    /// Refuses before any state changes: q limit reached, or no room for the ciphertext.
    func checkCanSeal(plaintextLength: Int, scratch: borrowing MutableSpan<UInt8>) throws(OSCOREError) {
        guard usage.canProtect else { throw .keyUsageLimitReached }
        guard scratch.count - plaintextLength >= plaintextLength + OSCOREAlgorithm.tagLength else {
            throw .outputTooSmall
        }
    }

    /// Encrypts `scratch[0..<p]` into `scratch[p..<2p + 8]` with the Sender Key, counting
    /// the encryption in q. Returns the ciphertext length (tag included).
    mutating func seal<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, nonce: OSCORENonceBytes,
                                               aad: Span<UInt8>, plaintextLength: Int,
                                               scratch: inout MutableSpan<UInt8>) throws(OSCOREError) -> Int {
        usage.countQ &+= 1
        do throws(CryptoError) {
            try OSCOREScratch.seal(crypto, key: senderKey, nonce: nonce, aad: aad,
                                   plaintextLength: plaintextLength, scratch: &scratch)
        } catch {
            throw .outputTooSmall
        }
        return plaintextLength + OSCOREAlgorithm.tagLength
    }

    /// Zeroes the scratch buffer (it held plaintext).
    static func wipeScratch(_ scratch: inout MutableSpan<UInt8>) {
        RampartCrypto.wipe(&scratch)
    }
}

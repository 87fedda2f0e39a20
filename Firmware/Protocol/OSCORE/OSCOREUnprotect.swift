import RampartCrypto

extension OSCORESecurityContext {
    /// Verifies a request (RFC 8613 §8.2, steps 2-7) with this context, which the caller
    /// chose by the request's 'kid' (see `OSCORESecurityContextLookup`): checks 'kid' and
    /// 'kid context' against it, the Partial IV against the Replay Window, decrypts, updates
    /// the window only then, and writes the decrypted request (outer header, inner Code,
    /// Class U and inner options merged, inner payload; the OSCORE option removed).
    ///
    /// - Parameters:
    ///   - scratch: at least the ciphertext length − 8 bytes; wiped afterwards.
    /// - Returns: what the server keeps to protect the response.
    /// - Throws: `.malformed` (no Partial IV or 'kid', not a request, bad plaintext),
    ///   `.securityContextNotFound` ('kid' or 'kid context' not this context's),
    ///   `.replayDetected`, `.keyUsageLimitReached` (v = 2^14 failures reached),
    ///   `.decryptionFailed` (counted in v), `.outputTooSmall`, `.contextWiped`.
    public mutating func unprotectRequest<Crypto: CryptoProvider>(
        _ request: borrowing OSCOREProtectedMessage, crypto: borrowing Crypto,
        scratch: inout MutableSpan<UInt8>, into output: inout ByteWriter
    ) throws(OSCOREError) -> OSCORERequestBinding {
        guard !isWiped else { throw .contextWiped }
        guard request.message.code.isRequest else { throw .malformed(.unexpectedCode) }
        let partialIV = request.optionValue.partialIV
        guard !partialIV.isEmpty else { throw .malformed(.missingPartialIV) }
        guard let kid = request.kid else { throw .malformed(.missingKid) }
        guard recipientID.elementsEqual(kid) else { throw .securityContextNotFound }
        if let kidContext = request.kidContext {
            guard hasIDContext, idContext.elementsEqual(kidContext) else { throw .securityContextNotFound }
        }
        let sequenceNumber = try OSCOREPartialIV.decode(partialIV)
        guard replayWindow.check(sequenceNumber) == .fresh else { throw .replayDetected }
        let nonce = recipientNonce(partialIV: partialIV)
        let aad = try OSCOREAAD.make(requestKid: kid, requestPartialIV: partialIV)
        defer { Self.wipeScratch(&scratch) }
        let plaintextLength = try open(crypto, nonce: nonce, aad: aad.span,
                                       ciphertext: request.ciphertext, scratch: &scratch)
        replayWindow.accept(sequenceNumber)
        try Self.writeDecrypted(outer: request.message, plaintext: scratch.span.extracting(0..<plaintextLength),
                                into: &output)
        let requestPartialIV: OSCOREPartialIVBytes
        do throws(ProtocolBufferError) {
            requestPartialIV = try OSCOREPartialIVBytes(copying: partialIV)
        } catch {
            throw .malformed(.truncatedOptionValue)
        }
        return OSCORERequestBinding(requestKid: recipientID, requestPartialIV: requestPartialIV, nonce: nonce)
    }

    /// Verifies a response (RFC 8613 §8.4) to the request `request` describes: the nonce is
    /// the request's when the response carries no Partial IV, else built from the Recipient
    /// ID and the response's Partial IV; the external_aad is bound to the request. Responses
    /// need no Replay Window (§7.4: one response per request).
    ///
    /// - Throws: `.malformed`, `.keyUsageLimitReached`, `.decryptionFailed` (counted in v),
    ///   `.outputTooSmall`, `.contextWiped`.
    public mutating func unprotectResponse<Crypto: CryptoProvider>(
        _ response: borrowing OSCOREProtectedMessage, request: OSCORERequestBinding, crypto: borrowing Crypto,
        scratch: inout MutableSpan<UInt8>, into output: inout ByteWriter
    ) throws(OSCOREError) {
        guard !isWiped else { throw .contextWiped }
        guard response.message.code.isResponse else { throw .malformed(.unexpectedCode) }
        let partialIV = response.optionValue.partialIV
        var nonce = request.nonce
        if !partialIV.isEmpty {
            _ = try OSCOREPartialIV.decode(partialIV)
            nonce = recipientNonce(partialIV: partialIV)
        }
        let aad = try OSCOREAAD.make(requestKid: request.requestKid.span,
                                     requestPartialIV: request.requestPartialIV.span)
        defer { Self.wipeScratch(&scratch) }
        let plaintextLength = try open(crypto, nonce: nonce, aad: aad.span,
                                       ciphertext: response.ciphertext, scratch: &scratch)
        try Self.writeDecrypted(outer: response.message, plaintext: scratch.span.extracting(0..<plaintextLength),
                                into: &output)
    }

    /// Decrypts with the Recipient Key into the start of `scratch`, counting a failure in v
    /// (draft-ietf-core-oscore-key-limits §2.3.2); refuses once v reached its limit.
    /// Returns the plaintext length.
    mutating func open<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, nonce: OSCORENonceBytes,
                                               aad: Span<UInt8>, ciphertext: Span<UInt8>,
                                               scratch: inout MutableSpan<UInt8>) throws(OSCOREError) -> Int {
        guard usage.canUnprotect else { throw .keyUsageLimitReached }
        let plaintextLength = ciphertext.count - OSCOREAlgorithm.tagLength
        guard plaintextLength <= scratch.count else { throw .outputTooSmall }
        do throws(CryptoError) {
            try OSCOREScratch.open(crypto, key: recipientKey, nonce: nonce, aad: aad,
                                   ciphertext: ciphertext, scratch: &scratch)
        } catch {
            usage.countV &+= 1
            throw .decryptionFailed
        }
        return plaintextLength
    }
}

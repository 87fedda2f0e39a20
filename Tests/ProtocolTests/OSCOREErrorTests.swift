import Testing
import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// A server's contexts: one, found by Recipient ID.
private struct OSCORETestStore: OSCORESecurityContextLookup, ~Copyable {
    var context: OSCORESecurityContext

    mutating func withSecurityContext<Result>(recipientID: Span<UInt8>, idContext: Span<UInt8>?,
                                              _ body: (inout OSCORESecurityContext) -> Result) -> Result? {
        guard context.recipientID.elementsEqual(recipientID) else { return nil }
        return body(&context)
    }
}

/// Verifies `bytes` through the lookup; returns the decrypted request.
private func verify(_ bytes: [UInt8], store: inout OSCORETestStore, crypto: HostCrypto) throws(OSCOREError) -> [UInt8] {
    var scratchStorage = [UInt8](repeating: 0, count: 256)
    var outputStorage = [UInt8](repeating: 0, count: 256)
    let count: Int
    do {
        var scratch = scratchStorage.mutableSpan
        var writer = ByteWriter(outputStorage.mutableSpan)
        _ = try OSCORESecurityContext.unprotectRequest(bytes.span, contexts: &store, crypto: crypto,
                                                       scratch: &scratch, into: &writer)
        count = writer.count
    }
    return Array(outputStorage.prefix(count))
}

/// The unprotected error response to `request` for `error`.
private func errorResponse(_ error: OSCOREError, to request: [UInt8], messageID: UInt16 = 0x4242) throws -> [UInt8] {
    try CoAPTestBytes.write { (w: inout ByteWriter) throws in
        let message = try CoAPMessage(parsing: request.span)
        let written = try OSCOREErrorResponse.write(for: error, request: message, messageID: messageID, into: &w)
        #expect(written)
    }
}

/// An OSCORE request with the given option value and a 9-byte payload.
private func crafted(optionValue: [UInt8], payloadCount: Int = 9, extraOSCORE: Bool = false) throws -> [UInt8] {
    try CoAPTestBytes.write { (w: inout ByteWriter) throws in
        var builder = CoAPMessageBuilder()
        try builder.header(type: .confirmable, code: .post, messageID: 1, token: [UInt8](arrayLiteral: 9).span, into: &w)
        try builder.option(.oscore, optionValue.span, into: &w)
        if extraOSCORE { try builder.option(.oscore, optionValue.span, into: &w) }
        try builder.payload([UInt8](repeating: 0x33, count: payloadCount).span, into: &w)
    }
}

@Suite("OSCORE errors and error responses (RFC 8613 §8)")
struct OSCOREErrorTests {
    static let c5Protected = CoAPTestBytes.hex("440271c30000b932396c6f63616c686f737463091400ff4ed339a5a379b0b8bc731fffb0")

    @Test("a request for an unknown kid gets 4.01 Security context not found")
    func unknownKid() throws {
        let crypto = try HostCrypto()
        // The C.1 server knows Recipient ID h''; the C.5 request comes from kid h'00'.
        var store = OSCORETestStore(context: try OSCOREAppendixC.keyDerivation("C.1.2").context(crypto))
        let error = OSCORETestRun.error { () throws(OSCOREError) in try verify(Self.c5Protected, store: &store, crypto: crypto) }
        #expect(error == .securityContextNotFound)
        // ACK (piggybacked on the CON request), 4.01, MID 0x71c3, token 0000b932, Max-Age 0.
        let expected: [UInt8] = [0x64, 0x81, 0x71, 0xC3, 0x00, 0x00, 0xB9, 0x32, 0xD0, 0x01, 0xFF]
            + CoAPTestBytes.utf8("Security context not found")
        #expect(try errorResponse(.securityContextNotFound, to: Self.c5Protected) == expected)
        #expect(store.context.usage.countV == 0 && store.context.replayWindow.highest == nil)
    }

    @Test("a request for a known kid is verified through the lookup")
    func knownKid() throws {
        let crypto = try HostCrypto()
        var store = OSCORETestStore(context: try OSCORETestPair.server(crypto))
        #expect(try verify(Self.c5Protected, store: &store, crypto: crypto) == OSCORETestPair.request)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try verify(Self.c5Protected, store: &store, crypto: crypto)
        } == .replayDetected)
    }

    @Test("each error maps to the response RFC 8613 describes", arguments: [
        (OSCOREError.securityContextNotFound, UInt8(0x81), "Security context not found"),
        (.replayDetected, 0x81, "Replay detected"),
        (.decryptionFailed, 0x80, "Decryption failed"),
        (.malformed(.missingOSCOREOption), 0x82, "Failed to decode COSE"),
        (.malformed(.reservedFlagBits), 0x82, "Failed to decode COSE"),
        (.keyUsageLimitReached, 0x81, "Security context not found"),
        (.contextWiped, 0x81, "Security context not found"),
    ] as [(OSCOREError, UInt8, String)])
    func responses(error: OSCOREError, code: UInt8, diagnostic: String) throws {
        let response = try CoAPTestMessage(parsing: try errorResponse(error, to: Self.c5Protected))
        #expect(response.type == .acknowledgement && response.messageID == 0x71C3)
        #expect(response.code == code && response.token == [0x00, 0x00, 0xB9, 0x32])
        #expect(response.options == [CoAPTestOption(number: 14, value: [])])
        #expect(response.payload == CoAPTestBytes.utf8(diagnostic))
    }

    @Test("a non-confirmable request gets a non-confirmable response with the given message ID")
    func nonConfirmable() throws {
        var request = Self.c5Protected
        request[0] = 0x54   // NON, TKL 4
        let response = try CoAPTestMessage(parsing: try errorResponse(.replayDetected, to: request, messageID: 0xABCD))
        #expect(response.type == .nonConfirmable && response.messageID == 0xABCD && response.code == 0x81)
    }

    @Test("sender-side errors have no response")
    func noResponse() throws {
        for error in [OSCOREError.sequenceNumberExhausted, .invalidParameter, .outputTooSmall] {
            #expect(OSCOREErrorResponse.codeAndDiagnostic(for: error) == nil)
            let bytes = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
                let message = try CoAPMessage(parsing: Self.c5Protected.span)
                #expect(try !OSCOREErrorResponse.write(for: error, request: message, messageID: 1, into: &w))
            }
            #expect(bytes.isEmpty)
        }
    }

    @Test("messages that are not well-formed OSCORE are malformed", arguments: [
        (CoAPTestBytes.hex("440171c30000b932396c6f63616c686f737483747631"), OSCOREMalformation.missingOSCOREOption),
        ([0x40, 0x02, 0x00], .invalidCoAP(.truncated)),
    ] as [([UInt8], OSCOREMalformation)])
    func malformedMessages(bytes: [UInt8], expected: OSCOREMalformation) {
        #expect(OSCORETestRun.error { () throws(OSCOREError) in _ = try OSCOREProtectedMessage(parsing: bytes.span) }
            == .malformed(expected))
    }

    @Test("crafted requests: no Partial IV, no kid, two OSCORE options, short or no ciphertext")
    func craftedRequests() throws {
        let crypto = try HostCrypto()
        var store = OSCORETestStore(context: try OSCORETestPair.server(crypto))
        let cases: [([UInt8], OSCOREMalformation)] = [
            (try crafted(optionValue: [0x08, 0x00]), .missingPartialIV),                 // kid, no PIV
            (try crafted(optionValue: [0x01, 0x05]), .missingKid),                       // PIV, no kid
            (try crafted(optionValue: [0x09, 0x05, 0x00], extraOSCORE: true), .repeatedOSCOREOption),
            (try crafted(optionValue: [0x09, 0x05, 0x00], payloadCount: 8), .ciphertextTooShort),
            (try crafted(optionValue: [0x09, 0x05, 0x00], payloadCount: 0), .ciphertextTooShort),
            (try crafted(optionValue: [0x29, 0x05, 0x00]), .reservedFlagBits),
        ]
        for (bytes, expected) in cases {
            #expect(OSCORETestRun.error { () throws(OSCOREError) in try verify(bytes, store: &store, crypto: crypto) }
                == .malformed(expected))
        }
        #expect(store.context.usage.countV == 0)
    }

    @Test("a 'kid context' the context does not have, or another kid, is not this context")
    func contextMismatch() throws {
        let crypto = try HostCrypto()
        // C.6 carries kid context 37cbf3210017a2d3; the C.1 server has no ID Context.
        let c6 = try OSCOREAppendixC.request("C.6")
        var server = try OSCOREAppendixC.keyDerivation("C.1.2").context(crypto)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, CoAPTestBytes.hex(c6.protected), crypto: crypto)
        } == .securityContextNotFound)
        var other = try OSCOREAppendixC.keyDerivation("C.1.2").context(crypto)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&other, Self.c5Protected, crypto: crypto)
        } == .securityContextNotFound)
    }

    @Test("protect refuses nested OSCORE, the wrong kind of code, and small buffers")
    func protectRefuses() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, Self.c5Protected, crypto: crypto)
        } == .malformed(.nestedOSCOREOption))
        let response = CoAPTestBytes.hex("64455d1f00003974ff48656c6c6f20576f726c6421")
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, response, crypto: crypto)
        } == .malformed(.unexpectedCode))
        // The plaintext is 5 bytes: 2 × 5 + 8 = 18 bytes of scratch are needed.
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto, scratchCount: 17)
        } == .outputTooSmall)
        #expect(client.senderSequenceNumber == 0 && client.usage.countQ == 0)
        _ = try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto, scratchCount: 18)
        #expect(OSCORESecurityContext.protectScratchLength(messageLength: OSCORETestPair.request.count) >= 18)
    }

    @Test("IDs over 7 bytes and ID Contexts over 16 bytes are refused")
    func invalidParameters() throws {
        let crypto = try HostCrypto()
        let secret = [UInt8](repeating: 1, count: 16), eight = [UInt8](repeating: 2, count: 8)
        let seven = [UInt8](repeating: 2, count: 7), long = [UInt8](repeating: 3, count: 17)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            _ = try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: [UInt8]().span,
                                          senderID: eight.span, recipientID: seven.span, idContext: nil)
        } == .invalidParameter)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            _ = try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: [UInt8]().span,
                                          senderID: seven.span, recipientID: seven.span, idContext: long.span)
        } == .invalidParameter)
        let context = try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: [UInt8]().span,
                                                senderID: seven.span, recipientID: [UInt8]().span, idContext: nil)
        #expect(context.senderID.coapTestArray == seven)
    }

    @Test("Class U options stay outer, Class E go inner, and the message comes back whole")
    func optionClasses() throws {
        let crypto = try HostCrypto()
        let original = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            var builder = CoAPMessageBuilder()
            try builder.header(type: .confirmable, code: .put, messageID: 0x0102, token: [UInt8](arrayLiteral: 1, 2).span, into: &w)
            try builder.option(.uriHost, CoAPTestBytes.utf8("gw").span, into: &w)
            try builder.option(.uriPort, uint: 5683, into: &w)
            try builder.option(.uriPath, CoAPTestBytes.utf8("t").span, into: &w)
            try builder.option(.uriPath, CoAPTestBytes.utf8("1").span, into: &w)
            try builder.option(.contentFormat, uint: 60, into: &w)
            try builder.option(.proxyScheme, CoAPTestBytes.utf8("coap").span, into: &w)
            try builder.option(.echo, [UInt8](repeating: 0xEC, count: 8).span, into: &w)
            try builder.payload([UInt8](arrayLiteral: 0xA1, 0x01, 0x02).span, into: &w)
        }
        var client = try OSCORETestPair.client(crypto)
        let protected = try OSCORETestRun.protectRequest(&client, original, crypto: crypto)
        let outer = try CoAPTestMessage(parsing: protected.bytes)
        #expect(outer.options.map(\.number) == [3, 7, 9, 39])
        #expect(outer.code == CoAPCode.post.rawValue && outer.messageID == 0x0102 && outer.token == [1, 2])
        var server = try OSCORETestPair.server(crypto)
        #expect(try OSCORETestRun.unprotectRequest(&server, protected.bytes, crypto: crypto).bytes == original)
    }

    @Test("outer Class E options added on the way are discarded (§8.2 step 1)")
    func outerClassEDiscarded() throws {
        let crypto = try HostCrypto()
        let tampered = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            let message = try CoAPMessage(parsing: Self.c5Protected.span)
            var builder = CoAPMessageBuilder()
            try builder.header(type: message.type, code: message.code, messageID: message.messageID,
                               token: message.token, into: &w)
            var options = message.options.makeIterator()
            while let option = options.next() {
                if option.number == .oscore { try builder.option(.eTag, [UInt8](arrayLiteral: 0xEE).span, into: &w) }
                try builder.option(option.number, option.value, into: &w)
            }
            try builder.option(.maxAge, uint: 60, into: &w)
            try builder.payload(message.payload, into: &w)
        }
        #expect(tampered.count > Self.c5Protected.count)
        var server = try OSCORETestPair.server(crypto)
        #expect(try OSCORETestRun.unprotectRequest(&server, tampered, crypto: crypto).bytes == OSCORETestPair.request)
    }
}

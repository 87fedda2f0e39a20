import Testing
import RampartProtocol

/// A message written by the builder from plain values.
private func build(type: CoAPMessageType = .confirmable, code: CoAPCode, messageID: UInt16, token: [UInt8] = [],
                   options: [(CoAPOptionNumber, [UInt8])] = [], payload: [UInt8] = [],
                   capacity: Int = 512) throws -> [UInt8] {
    try CoAPTestBytes.write(capacity: capacity) { (w: inout ByteWriter) throws in
        var builder = CoAPMessageBuilder()
        try builder.header(type: type, code: code, messageID: messageID, token: token.span, into: &w)
        for (number, value) in options { try builder.option(number, value.span, into: &w) }
        try builder.payload(payload.span, into: &w)
    }
}

private func parseError(_ bytes: [UInt8]) -> CoAPError? {
    CoAPTestBytes.error(CoAPError.self) { () throws(CoAPError) in _ = try CoAPTestMessage(parsing: bytes) }
}

@Suite("CoAP message codec (RFC 7252)")
struct CoAPMessageTests {
    // RFC 7252 Appendix A, Figure 16: CON GET /temperature, MID 0x7d34, no token; piggybacked
    // ACK 2.05 "22.5 C".
    static let figure16Request: [UInt8] = [0x40, 0x01, 0x7D, 0x34, 0xBB] + CoAPTestBytes.utf8("temperature")
    static let figure16Response: [UInt8] = [0x60, 0x45, 0x7D, 0x34, 0xFF] + CoAPTestBytes.utf8("22.5 C")
    // Figure 17: the same with token 0x20, MID 0x7d35; response 4.04 "Not found".
    static let figure17Request: [UInt8] = [0x41, 0x01, 0x7D, 0x35, 0x20, 0xBB] + CoAPTestBytes.utf8("temperature")
    static let figure17Response: [UInt8] = [0x61, 0x84, 0x7D, 0x35, 0x20, 0xFF] + CoAPTestBytes.utf8("Not found")

    @Test("RFC 7252 Appendix A examples parse to their header fields")
    func rfc7252ExamplesParse() throws {
        let request = try CoAPTestMessage(parsing: Self.figure16Request)
        #expect(request.type == .confirmable && request.code == CoAPCode.get.rawValue && request.messageID == 0x7D34)
        #expect(request.token.isEmpty)
        #expect(request.options == [CoAPTestOption(number: 11, value: CoAPTestBytes.utf8("temperature"))])
        #expect(request.payload.isEmpty)
        let response = try CoAPTestMessage(parsing: Self.figure16Response)
        #expect(response.type == .acknowledgement && response.code == CoAPCode.content.rawValue)
        #expect(response.messageID == 0x7D34 && response.options.isEmpty)
        #expect(response.payload == CoAPTestBytes.utf8("22.5 C"))
        let notFound = try CoAPTestMessage(parsing: Self.figure17Response)
        #expect(notFound.code == CoAPCode.notFound.rawValue && notFound.token == [0x20])
    }

    @Test("RFC 7252 Appendix A examples are written byte for byte")
    func rfc7252ExamplesBuild() throws {
        let path = CoAPTestBytes.utf8("temperature")
        #expect(try build(code: .get, messageID: 0x7D34, options: [(.uriPath, path)]) == Self.figure16Request)
        #expect(try build(type: .acknowledgement, code: .content, messageID: 0x7D34,
                          payload: CoAPTestBytes.utf8("22.5 C")) == Self.figure16Response)
        #expect(try build(code: .get, messageID: 0x7D35, token: [0x20], options: [(.uriPath, path)]) == Self.figure17Request)
        #expect(try build(type: .acknowledgement, code: .notFound, messageID: 0x7D35, token: [0x20],
                          payload: CoAPTestBytes.utf8("Not found")) == Self.figure17Response)
    }

    @Test("a message with many options, repeats and extended forms round-trips")
    func roundTrip() throws {
        let options: [(CoAPOptionNumber, [UInt8])] = [
            (.uriHost, CoAPTestBytes.utf8("gateway.local")),
            (.uriPath, CoAPTestBytes.utf8(".well-known")),
            (.uriPath, CoAPTestBytes.utf8("edhoc")),
            (.uriPath, []),
            (.contentFormat, [0x41]),
            (.uriQuery, [UInt8](repeating: 0x61, count: 300)),
            (.size1, [0x01, 0x00]),
            (.echo, [UInt8](repeating: 0xEC, count: 8)),
            (.requestTag, [0x42]),
            (CoAPOptionNumber(rawValue: 65535), [0x7F]),
        ]
        let token: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let payload: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        let bytes = try build(type: .nonConfirmable, code: .post, messageID: 0xBEEF, token: token,
                              options: options, payload: payload, capacity: 1024)
        let parsed = try CoAPTestMessage(parsing: bytes)
        #expect(parsed.type == .nonConfirmable && parsed.code == CoAPCode.post.rawValue && parsed.messageID == 0xBEEF)
        #expect(parsed.token == token && parsed.payload == payload)
        #expect(parsed.options == options.map { CoAPTestOption(number: $0.0.rawValue, value: $0.1) })
        let message = try CoAPMessage(parsing: bytes.span)
        #expect(message.options.count == options.count)
        #expect(message.options.occurrences(of: .uriPath) == 3)
        #expect(CoAPTestMessage.array(message.options.first(.contentFormat)!) == [0x41])
        let noAccept = message.options.first(.accept) == nil
        #expect(noAccept)
    }

    @Test("every message type and the empty message parse", arguments: [
        ([0x40, 0x00, 0x12, 0x34], CoAPMessageType.confirmable),
        ([0x50, 0x00, 0x12, 0x34], .nonConfirmable),
        ([0x60, 0x00, 0x12, 0x34], .acknowledgement),
        ([0x70, 0x00, 0x12, 0x34], .reset),
    ] as [([UInt8], CoAPMessageType)])
    func types(bytes: [UInt8], type: CoAPMessageType) throws {
        let message = try CoAPTestMessage(parsing: bytes)
        #expect(message.type == type && message.code == 0 && message.messageID == 0x1234)
    }

    // Option delta and length at the edges of each encoding (RFC 7252 §3.1): 12 fits the
    // nibble, 13 and 268 take one extra byte, 269 takes two.
    @Test("option delta and length extended forms at 12, 13, 268, 269", arguments: [
        (12, 0, [0xC0]), (13, 0, [0xD0, 0x00]), (268, 0, [0xD0, 0xFF]), (269, 0, [0xE0, 0x00, 0x00]),
        (1, 12, [0x1C]), (1, 13, [0x1D, 0x00]), (1, 268, [0x1D, 0xFF]), (1, 269, [0x1E, 0x00, 0x00]),
        (269, 269, [0xEE, 0x00, 0x00, 0x00, 0x00]), (65535, 1, [0xE1, 0xFE, 0xF2]),
    ] as [(Int, Int, [UInt8])])
    func extendedForms(number: Int, length: Int, header: [UInt8]) throws {
        let value = [UInt8](repeating: 0x5A, count: length)
        let bytes = try build(code: .get, messageID: 1, options: [(CoAPOptionNumber(rawValue: UInt16(number)), value)],
                              capacity: 1024)
        #expect(Array(bytes[4..<(4 + header.count)]) == header)
        #expect(bytes.count == 4 + header.count + length)
        let parsed = try CoAPTestMessage(parsing: bytes)
        #expect(parsed.options == [CoAPTestOption(number: UInt16(number), value: value)])
    }

    @Test("malformed messages are rejected with the rule they break", arguments: [
        ([0x40, 0x01, 0x00], CoAPError.truncated),                          // short header
        ([0x44, 0x01, 0x00, 0x00, 0x01, 0x02], .truncated),                 // token beyond end
        ([0x40, 0x01, 0x00, 0x00, 0xD0], .truncated),                       // delta byte missing
        ([0x40, 0x01, 0x00, 0x00, 0xE0, 0x01], .truncated),                 // delta half missing
        ([0x40, 0x01, 0x00, 0x00, 0x1D], .truncated),                       // length byte missing
        ([0x40, 0x01, 0x00, 0x00, 0x03, 0x61], .truncated),                 // value beyond end
        ([0x80, 0x01, 0x00, 0x00], .unsupportedVersion),
        ([0x00, 0x01, 0x00, 0x00], .unsupportedVersion),
        ([0xC0, 0x01, 0x00, 0x00], .unsupportedVersion),
        ([0x49, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 9), .invalidTokenLength),
        ([0x4F, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 15), .invalidTokenLength),
        ([0x40, 0x01, 0x00, 0x00, 0xF1, 0x00], .reservedOptionNibble),      // delta 15
        ([0x40, 0x01, 0x00, 0x00, 0x1F], .reservedOptionNibble),            // length 15
        ([0x40, 0x01, 0x00, 0x00, 0xFF], .emptyPayloadAfterMarker),
        ([0x40, 0x01, 0x00, 0x00, 0xB1, 0x61, 0xFF], .emptyPayloadAfterMarker),
        ([0x40, 0x01, 0x00, 0x00, 0xE0, 0xFF, 0xFF], .optionNumberOverflow), // 65804
        ([0x40, 0x01, 0x00, 0x00, 0xE0, 0xFE, 0xF2, 0x10], .optionNumberOverflow), // 65535 + 1
        ([0x40, 0x01, 0x00, 0x00, 0x10] + [UInt8](repeating: 0x00, count: 16), .tooManyOptions),
        ([0x41, 0x00, 0x00, 0x00, 0x01], .invalidEmptyMessage),             // Empty with a token
        ([0x40, 0x00, 0x00, 0x00, 0xFF, 0x01], .invalidEmptyMessage),       // Empty with a payload
    ] as [([UInt8], CoAPError)])
    func rejects(bytes: [UInt8], expected: CoAPError) {
        #expect(parseError(bytes) == expected)
    }

    @Test("the option count limit is inclusive")
    func optionCountLimit() throws {
        let bytes: [UInt8] = [0x40, 0x01, 0x00, 0x00, 0x10] + [UInt8](repeating: 0x00, count: CoAPLimits.optionCountMax - 1)
        #expect(try CoAPTestMessage(parsing: bytes).options.count == CoAPLimits.optionCountMax)
    }

    @Test("the builder refuses what it cannot encode")
    func builderRejects() throws {
        let nineBytes = [UInt8](repeating: 1, count: 9)
        #expect(CoAPTestBytes.error(Error.self) {
            _ = try build(code: .get, messageID: 1, token: nineBytes)
        } as? CoAPError == .invalidTokenLength)
        #expect(CoAPTestBytes.error(Error.self) {
            _ = try build(code: .get, messageID: 1, options: [(.uriPath, [0x61]), (.uriHost, [0x62])])
        } as? CoAPError == .optionsOutOfOrder)
        #expect(CoAPTestBytes.error(Error.self) {
            _ = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
                var builder = CoAPMessageBuilder()
                try builder.header(type: .confirmable, code: .get, messageID: 1, token: [UInt8]().span, into: &w)
                try builder.payload([UInt8](arrayLiteral: 1).span, into: &w)
                try builder.option(.uriPath, [UInt8](arrayLiteral: 0x61).span, into: &w)
            }
        } as? CoAPError == .optionsOutOfOrder)
        #expect(CoAPTestBytes.error(Error.self) {
            _ = try build(code: .get, messageID: 1, payload: [1, 2, 3], capacity: 6)
        } as? CoAPError == .outputTooSmall)
        // Exactly enough room succeeds.
        #expect(try build(code: .get, messageID: 1, payload: [1, 2, 3], capacity: 8).count == 8)
    }

    @Test("uint option values are minimal big-endian (RFC 7252 §3.2)", arguments: [
        (UInt32(0), [UInt8]()), (1, [0x01]), (60, [0x3C]), (255, [0xFF]), (256, [0x01, 0x00]),
        (10001, [0x27, 0x11]), (0x0100_0000, [0x01, 0x00, 0x00, 0x00]), (0xFFFF_FFFF, [0xFF, 0xFF, 0xFF, 0xFF]),
    ] as [(UInt32, [UInt8])])
    func uintValues(value: UInt32, encoded: [UInt8]) throws {
        let bytes = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            var builder = CoAPMessageBuilder()
            try builder.header(type: .confirmable, code: .get, messageID: 1, token: [UInt8]().span, into: &w)
            try builder.option(.contentFormat, uint: value, into: &w)
        }
        let message = try CoAPMessage(parsing: bytes.span)
        var options = message.options.makeIterator()
        guard let option = options.next() else { Issue.record("no option"); return }
        #expect(CoAPTestMessage.array(option.value) == encoded)
        let decoded = try option.uintValue()
        #expect(decoded == value)
    }

    @Test("a uint value over 4 bytes is refused; leading zeros are read")
    func uintLimits() throws {
        let long: [UInt8] = [0x40, 0x01, 0x00, 0x00, 0xC5, 0, 0, 0, 0, 1]
        let message = try CoAPMessage(parsing: long.span)
        var options = message.options.makeIterator()
        guard let option = options.next() else { Issue.record("no option"); return }
        let error = CoAPTestBytes.error(CoAPError.self) { () throws(CoAPError) in _ = try option.uintValue() }
        #expect(error == .optionValueTooLong)
        let padded: [UInt8] = [0x40, 0x01, 0x00, 0x00, 0xC2, 0x00, 0x3C]
        let paddedMessage = try CoAPMessage(parsing: padded.span)
        var paddedOptions = paddedMessage.options.makeIterator()
        let padded60 = try paddedOptions.next()?.uintValue()
        #expect(padded60 == 60)
    }

    @Test("codes: class and detail, named constants")
    func codes() {
        #expect(CoAPCode.get.rawValue == 0x01 && CoAPCode.post.rawValue == 0x02)
        #expect(CoAPCode.created.rawValue == 0x41 && CoAPCode.changed.rawValue == 0x44 && CoAPCode.content.rawValue == 0x45)
        #expect(CoAPCode.badRequest.rawValue == 0x80 && CoAPCode.unauthorized.rawValue == 0x81)
        #expect(CoAPCode.badOption.rawValue == 0x82 && CoAPCode.notFound.rawValue == 0x84)
        #expect(CoAPCode.methodNotAllowed.rawValue == 0x85 && CoAPCode.unsupportedContentFormat.rawValue == 0x8F)
        #expect(CoAPCode.internalServerError.rawValue == 0xA0 && CoAPCode.serviceUnavailable.rawValue == 0xA3)
        let code = CoAPCode(rawValue: 0x8F)
        #expect(code.codeClass == 4 && code.detail == 15 && code.isResponse && !code.isRequest)
        #expect(CoAPCode.post.isRequest && !CoAPCode.empty.isRequest && CoAPCode.empty.isEmpty)
    }

    @Test("option numbers and their critical, unsafe and no-cache-key bits (RFC 7252 §5.4.6)")
    func optionBits() {
        let numbers: [(CoAPOptionNumber, UInt16)] = [
            (.ifMatch, 1), (.uriHost, 3), (.eTag, 4), (.ifNoneMatch, 5), (.observe, 6), (.uriPort, 7),
            (.locationPath, 8), (.oscore, 9), (.uriPath, 11), (.contentFormat, 12), (.maxAge, 14),
            (.uriQuery, 15), (.accept, 17), (.locationQuery, 20), (.block2, 23), (.block1, 27), (.size2, 28),
            (.proxyUri, 35), (.proxyScheme, 39), (.size1, 60), (.echo, 252), (.requestTag, 292),
        ]
        for (number, raw) in numbers { #expect(number.rawValue == raw) }
        #expect(CoAPOptionNumber.uriHost.isCritical && CoAPOptionNumber.uriHost.isUnsafe)
        #expect(CoAPOptionNumber.oscore.isCritical && !CoAPOptionNumber.oscore.isUnsafe)
        #expect(!CoAPOptionNumber.eTag.isCritical && !CoAPOptionNumber.eTag.isUnsafe && !CoAPOptionNumber.eTag.isNoCacheKey)
        #expect(CoAPOptionNumber.maxAge.isUnsafe && !CoAPOptionNumber.maxAge.isCritical)
        #expect(CoAPOptionNumber.size1.isNoCacheKey && CoAPOptionNumber.echo.isNoCacheKey)
        #expect(!CoAPOptionNumber.echo.isCritical && !CoAPOptionNumber.echo.isUnsafe)
        #expect(CoAPContentFormat.cbor == 60 && CoAPContentFormat.edhocCBORSeq == 64 && CoAPContentFormat.cidEDHOCCBORSeq == 65)
    }
}

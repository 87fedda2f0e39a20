import Testing
import RampartProtocol

@Suite("CoAP EDHOC transport (RFC 9528 Appendix A.2)")
struct CoAPEDHOCTransportTests {
    // Opaque stand-ins: the transport never looks inside EDHOC messages.
    static let message1: [UInt8] = [0x03, 0x02, 0x58, 0x20, 0xAA, 0xBB, 0x37]
    static let message3: [UInt8] = [0x58, 0x13, 0x01, 0x02, 0x03]
    static let pathHeader: [UInt8] = [0xBB] + CoAPTestBytes.utf8(".well-known") + [0x05] + CoAPTestBytes.utf8("edhoc")

    @Test("message_1 goes in a POST to /.well-known/edhoc prefixed with true")
    func message1Request() throws {
        let bytes = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            try EDHOCOverCoAP.writeMessage1Request(messageID: 0x1234, token: [UInt8](arrayLiteral: 0x7A).span,
                                                   message1: Self.message1.span, into: &w)
        }
        // CON POST, MID 0x1234, token 7a; Uri-Path ×2; Content-Format 65 (delta 1, one byte).
        let expected: [UInt8] = [0x41, 0x02, 0x12, 0x34, 0x7A] + Self.pathHeader + [0x11, 65, 0xFF, 0xF5] + Self.message1
        #expect(bytes == expected)
        let message = try CoAPMessage(parsing: bytes.span)
        let isEDHOC = EDHOCOverCoAP.isEDHOCRequest(message)
        #expect(isEDHOC)
        let payload = try EDHOCOverCoAP.parseRequestPayload(message.payload)
        let isMessage1 = payload.isMessage1
        let prefixLength = payload.connectionIdentifier.count
        #expect(isMessage1 && prefixLength == 0)
        #expect(CoAPTestMessage.array(payload.message) == Self.message1)
    }

    @Test("message_3 is prefixed with C_R as a CBOR item", arguments: [
        [0x27] as [UInt8],        // C_R = -8, the one-byte int form
        [0x0E],                   // C_R = 14
        [0x42, 0xAB, 0x12],       // C_R = h'ab12'
        [0x40],                   // C_R = h''
    ])
    func message3Request(connectionIdentifier: [UInt8]) throws {
        let bytes = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            try EDHOCOverCoAP.writeRequest(messageID: 7, token: [UInt8]().span,
                                           connectionIdentifierR: connectionIdentifier.span,
                                           message: Self.message3.span, into: &w)
        }
        let expected: [UInt8] = [0x40, 0x02, 0x00, 0x07] + Self.pathHeader + [0x11, 65, 0xFF] + connectionIdentifier + Self.message3
        #expect(bytes == expected)
        let message = try CoAPMessage(parsing: bytes.span)
        let payload = try EDHOCOverCoAP.parseRequestPayload(message.payload)
        let isMessage1 = payload.isMessage1
        #expect(!isMessage1)
        #expect(CoAPTestMessage.array(payload.connectionIdentifier) == connectionIdentifier)
        #expect(CoAPTestMessage.array(payload.message) == Self.message3)
    }

    @Test("responses carry the message with Content-Format 64")
    func responses() throws {
        let token: [UInt8] = [0x7A]
        let message2: [UInt8] = [0x58, 0x2A, 0x01]
        let ok = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            try EDHOCOverCoAP.writeResponse(messageID: 0x1234, token: token.span, message: message2.span, into: &w)
        }
        #expect(ok == [0x61, 0x44, 0x12, 0x34, 0x7A, 0xC1, 64, 0xFF] + message2)
        let error = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
            try EDHOCOverCoAP.writeResponse(code: .badRequest, messageID: 0x1234, token: token.span,
                                            message: [UInt8](arrayLiteral: 0x02, 0x61, 0x78).span, into: &w)
        }
        #expect(error == [0x61, 0x80, 0x12, 0x34, 0x7A, 0xC1, 64, 0xFF, 0x02, 0x61, 0x78])
    }

    @Test("request payloads without a valid prefix or message are rejected", arguments: [
        ([], EDHOCOverCoAPError.missingPayload),
        ([0xF5], .missingMessage),
        ([0x27], .missingMessage),
        ([0xF4, 0x01], .invalidConnectionIdentifier),     // false
        ([0xA0, 0x01], .invalidConnectionIdentifier),     // a map
        ([0x63, 0x61, 0x62, 0x63, 0x01], .invalidConnectionIdentifier), // a text string
        ([0x43, 0x01], .invalidConnectionIdentifier),     // bstr longer than the payload
        ([0x18, 0x05, 0x01], .invalidConnectionIdentifier), // non-minimal int
    ] as [([UInt8], EDHOCOverCoAPError)])
    func rejects(payload: [UInt8], expected: EDHOCOverCoAPError) {
        let error = CoAPTestBytes.error(EDHOCOverCoAPError.self) { () throws(EDHOCOverCoAPError) in
            _ = try EDHOCOverCoAP.parseRequestPayload(payload.span)
        }
        #expect(error == expected)
    }

    @Test("only POST /.well-known/edhoc is an EDHOC request")
    func dispatch() throws {
        func isEDHOC(_ code: CoAPCode, _ path: [String]) throws -> Bool {
            let bytes = try CoAPTestBytes.write { (w: inout ByteWriter) throws in
                var builder = CoAPMessageBuilder()
                try builder.header(type: .confirmable, code: code, messageID: 1, token: [UInt8]().span, into: &w)
                for segment in path { try builder.option(.uriPath, CoAPTestBytes.utf8(segment).span, into: &w) }
            }
            return EDHOCOverCoAP.isEDHOCRequest(try CoAPMessage(parsing: bytes.span))
        }
        #expect(try isEDHOC(.post, [".well-known", "edhoc"]))
        #expect(try !isEDHOC(.get, [".well-known", "edhoc"]))
        #expect(try !isEDHOC(.post, [".well-known", "core"]))
        #expect(try !isEDHOC(.post, [".well-known"]))
        #expect(try !isEDHOC(.post, [".well-known", "edhoc", "x"]))
        #expect(try !isEDHOC(.post, []))
    }
}

/// EDHOC carried in CoAP, forward message flow (RFC 9528 Appendix A.2): the device is the
/// CoAP client and the EDHOC Initiator.
///
/// - Requests are POST to `/.well-known/edhoc` with Content-Format
///   application/cid-edhoc+cbor-seq; the payload is message_1 prefixed with CBOR `true`
///   (0xF5, "a new session"), or message_3 (or an Initiator's error message) prefixed with
///   C_R as a CBOR data item (RFC 9528 §3.3.2 representation).
/// - Responses carry message_2, message_4 or an error with Content-Format
///   application/edhoc+cbor-seq: 2.04 (Changed) for messages, 4.00 or 5.00 for errors
///   (Appendix A.2.3).
///
/// The EDHOC messages are opaque bytes here. The reverse message flow (device as CoAP
/// server) is not used by this profile. Block-wise transfer is not needed: the messages fit.
public enum EDHOCOverCoAP {
    /// First Uri-Path segment of the EDHOC resource (RFC 9528 §10.7, RFC 8615).
    public static let pathSegment1: StaticString = ".well-known"
    /// Second Uri-Path segment.
    public static let pathSegment2: StaticString = "edhoc"
    /// The CBOR simple value `true` that prefixes message_1.
    public static let message1Prefix: UInt8 = 0xF5

    /// Writes the POST that carries message_1 (prefixed with `true`).
    @_lifetime(writer: copy writer)
    public static func writeMessage1Request(type: CoAPMessageType = .confirmable, messageID: UInt16,
                                            token: Span<UInt8>, message1: Span<UInt8>,
                                            into writer: inout ByteWriter) throws(CoAPError) {
        let prefix = InlineArray<1, UInt8>(repeating: message1Prefix)
        try writeRequest(type: type, messageID: messageID, token: token, prefix: prefix.span,
                         message: message1, into: &writer)
    }

    /// Writes the POST that carries message_3 or an Initiator's error message, prefixed with
    /// `connectionIdentifierR`: C_R as its CBOR data item (an int for the one-byte forms,
    /// else a bstr — the caller encodes it).
    @_lifetime(writer: copy writer)
    public static func writeRequest(type: CoAPMessageType = .confirmable, messageID: UInt16,
                                    token: Span<UInt8>, connectionIdentifierR: Span<UInt8>,
                                    message: Span<UInt8>, into writer: inout ByteWriter) throws(CoAPError) {
        try writeRequest(type: type, messageID: messageID, token: token, prefix: connectionIdentifierR,
                         message: message, into: &writer)
    }

    @_lifetime(writer: copy writer)
    static func writeRequest(type: CoAPMessageType, messageID: UInt16, token: Span<UInt8>,
                             prefix: Span<UInt8>, message: Span<UInt8>,
                             into writer: inout ByteWriter) throws(CoAPError) {
        var builder = CoAPMessageBuilder()
        try builder.header(type: type, code: .post, messageID: messageID, token: token, into: &writer)
        try builder.option(.uriPath, pathSegment1, into: &writer)
        try builder.option(.uriPath, pathSegment2, into: &writer)
        try builder.option(.contentFormat, uint: UInt32(CoAPContentFormat.cidEDHOCCBORSeq), into: &writer)
        try builder.payload(prefix, message, into: &writer)
    }

    /// Writes a response carrying message_2, message_4 (code 2.04) or an EDHOC error
    /// message (code 4.00 or 5.00), with Content-Format application/edhoc+cbor-seq.
    /// For a confirmable request the response is piggybacked: type ACK and the request's
    /// message ID.
    @_lifetime(writer: copy writer)
    public static func writeResponse(type: CoAPMessageType = .acknowledgement, code: CoAPCode = .changed,
                                     messageID: UInt16, token: Span<UInt8>, message: Span<UInt8>,
                                     into writer: inout ByteWriter) throws(CoAPError) {
        var builder = CoAPMessageBuilder()
        try builder.header(type: type, code: code, messageID: messageID, token: token, into: &writer)
        try builder.option(.contentFormat, uint: UInt32(CoAPContentFormat.edhocCBORSeq), into: &writer)
        try builder.payload(message, into: &writer)
    }

    /// Whether `message` is a POST to `/.well-known/edhoc` (the server's dispatch test).
    public static func isEDHOCRequest(_ message: borrowing CoAPMessage) -> Bool {
        guard message.code == .post else { return false }
        var segment = 0
        var options = message.options.makeIterator()
        while let option = options.next() {
            guard option.number == .uriPath else { continue }
            let expected = segment == 0 ? pathSegment1 : pathSegment2
            guard segment < 2, equals(option.value, expected) else { return false }
            segment += 1
        }
        return segment == 2
    }

    /// Splits a request payload into its prefix and the EDHOC message (RFC 9528
    /// Appendix A.2): `true` marks message_1; otherwise the prefix is a connection
    /// identifier, an int or a bstr CBOR data item.
    ///
    /// - Throws: `.missingPayload`, `.invalidConnectionIdentifier`, `.missingMessage`.
    @_lifetime(copy payload)
    public static func parseRequestPayload(_ payload: Span<UInt8>) throws(EDHOCOverCoAPError) -> EDHOCRequestPayload {
        guard !payload.isEmpty else { throw .missingPayload }
        if payload[0] == message1Prefix {
            guard payload.count > 1 else { throw .missingMessage }
            return EDHOCRequestPayload(isMessage1: true, connectionIdentifier: payload.extracting(0..<0),
                                       message: payload.extracting(1..<payload.count))
        }
        var reader = CBORReader(payload)
        let end: Int
        do throws(CBORError) {
            let major = try reader.peekMajorType()
            guard major == .unsignedInteger || major == .negativeInteger || major == .byteString else {
                throw .wrongType
            }
            _ = try reader.readRawItem()
            end = reader.offset
        } catch {
            throw .invalidConnectionIdentifier
        }
        guard end < payload.count else { throw .missingMessage }
        return EDHOCRequestPayload(isMessage1: false, connectionIdentifier: payload.extracting(0..<end),
                                   message: payload.extracting(end..<payload.count))
    }

    static func equals(_ bytes: Span<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let utf8 = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for i in 0..<bytes.count where bytes[i] != utf8[i] { return false }
        return true
    }
}

/// A request payload split as RFC 9528 Appendix A.2 prescribes.
public struct EDHOCRequestPayload: ~Escapable {
    /// The prefix was `true`: `message` is message_1, a new session.
    public let isMessage1: Bool
    /// The prefix as its CBOR data item (C_R in the forward flow); empty for message_1.
    public let connectionIdentifier: Span<UInt8>
    /// The EDHOC message after the prefix (message_3 or an error message, or message_1).
    public let message: Span<UInt8>

    @_lifetime(copy connectionIdentifier, copy message)
    init(isMessage1: Bool, connectionIdentifier: Span<UInt8>, message: Span<UInt8>) {
        self.isMessage1 = isMessage1
        self.connectionIdentifier = connectionIdentifier
        self.message = message
    }
}

/// What `EDHOCOverCoAP.parseRequestPayload` rejects.
public enum EDHOCOverCoAPError: Error, Equatable, Sendable {
    /// The request has no payload.
    case missingPayload
    /// The prefix is neither `true` nor a well-formed int or bstr (RFC 9528 §3.3.2).
    case invalidConnectionIdentifier
    /// Nothing follows the prefix.
    case missingMessage
}

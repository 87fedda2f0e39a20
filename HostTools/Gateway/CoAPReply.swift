import RampartProtocol

/// The CoAP responses the engine sends, written into fresh byte arrays. A confirmable
/// request gets a piggybacked ACK with its Message ID; a non-confirmable one a NON with a
/// Message ID of the gateway's own (RFC 7252 §5.2).
enum CoAPReply {
    /// Large enough for every response the engine writes (message_2 is the largest).
    static let capacity = 512

    static func write(_ body: (inout ByteWriter) throws(CoAPError) -> Void) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var written = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            do { try body(&writer) } catch { return nil }
            written = writer.count
        }
        buffer.removeSubrange(written...)
        return buffer
    }

    static func header(for request: borrowing CoAPMessage, messageID: UInt16) -> (CoAPMessageType, UInt16) {
        request.type == .confirmable ? (.acknowledgement, request.messageID) : (.nonConfirmable, messageID)
    }

    /// A CoAP ping: an Empty Confirmable message, which the peer answers with a Reset
    /// (RFC 7252 §4.3).
    static func ping(messageID: UInt16) -> [UInt8] {
        let bytes = write { (w: inout ByteWriter) throws(CoAPError) in
            var builder = CoAPMessageBuilder()
            try builder.header(type: .confirmable, code: .empty, messageID: messageID, token: Span(), into: &w)
        }
        return bytes ?? []
    }

    static func reset(messageID: UInt16) -> [UInt8]? {
        write { (w: inout ByteWriter) throws(CoAPError) in
            var builder = CoAPMessageBuilder()
            try builder.header(type: .reset, code: .empty, messageID: messageID, token: Span(), into: &w)
        }
    }

    /// An unprotected response with an optional diagnostic payload (RFC 7252 §5.5.2).
    static func unprotected(responseTo request: borrowing CoAPMessage, code: CoAPCode, diagnostic: StaticString?,
                            messageID: UInt16) -> [UInt8]? {
        let (type, id) = header(for: request, messageID: messageID)
        let token = request.token
        return write { (w: inout ByteWriter) throws(CoAPError) in
            var builder = CoAPMessageBuilder()
            try builder.header(type: type, code: code, messageID: id, token: token, into: &w)
            if let diagnostic {
                let text = UnsafeBufferPointer(start: diagnostic.utf8Start, count: diagnostic.utf8CodeUnitCount)
                try builder.payload(Span(_unsafeElements: text), into: &w)
            } else {
                try builder.payload(Span(), into: &w)
            }
        }
    }

    /// An EDHOC response: message_2 (2.04), an empty 2.04 after message_3, or an EDHOC
    /// error message (4.00), Content-Format application/edhoc+cbor-seq.
    static func edhoc(responseTo request: borrowing CoAPMessage, code: CoAPCode, message: Span<UInt8>,
                      messageID: UInt16) -> [UInt8]? {
        let (type, id) = header(for: request, messageID: messageID)
        let token = request.token
        return write { (w: inout ByteWriter) throws(CoAPError) in
            if message.isEmpty {
                // The answer to message_3 without message_4: no payload, no Content-Format.
                var builder = CoAPMessageBuilder()
                try builder.header(type: type, code: code, messageID: id, token: token, into: &w)
                try builder.payload(Span(), into: &w)
            } else {
                try EDHOCOverCoAP.writeResponse(type: type, code: code, messageID: id, token: token,
                                                message: message, into: &w)
            }
        }
    }

    /// 4.01 with an Echo option and no payload (RFC 9175 §2.3): "repeat with this value".
    static func echoChallenge(responseTo request: borrowing CoAPMessage, echo: [UInt8], messageID: UInt16) -> [UInt8]? {
        let (type, id) = header(for: request, messageID: messageID)
        let token = request.token
        return write { (w: inout ByteWriter) throws(CoAPError) in
            var builder = CoAPMessageBuilder()
            try builder.header(type: type, code: .unauthorized, messageID: id, token: token, into: &w)
            try builder.option(.echo, echo.span, into: &w)
            try builder.payload(Span(), into: &w)
        }
    }

    /// 5.03 with Max-Age: "come back in `seconds`" (the half-open table is full).
    static func serviceUnavailable(responseTo request: borrowing CoAPMessage, retryAfterSeconds seconds: UInt32,
                                   messageID: UInt16) -> [UInt8]? {
        let (type, id) = header(for: request, messageID: messageID)
        let token = request.token
        return write { (w: inout ByteWriter) throws(CoAPError) in
            var builder = CoAPMessageBuilder()
            try builder.header(type: type, code: .serviceUnavailable, messageID: id, token: token, into: &w)
            try builder.option(.maxAge, uint: seconds, into: &w)
            try builder.payload(Span(), into: &w)
        }
    }

    /// Whether the request's Uri-Path is exactly `t` (the telemetry resource).
    static func isTelemetryPath(_ message: borrowing CoAPMessage) -> Bool {
        var segments = 0
        var matches = false
        var options = message.options.makeIterator()
        while let option = options.next() {
            guard option.number == .uriPath else { continue }
            segments += 1
            matches = option.value.count == 1 && option.value[0] == UInt8(ascii: "t")
        }
        return segments == 1 && matches
    }
}

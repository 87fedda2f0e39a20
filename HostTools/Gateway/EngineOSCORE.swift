import RampartHostCrypto
import RampartProtocol

/// The OSCORE server (RFC 8613 §8.2, §8.3) for the telemetry resource `POST /t`.
extension GatewayEngine {
    private enum Outcome {
        case accepted(kid: [UInt8], sequenceNumber: UInt64, payloadBytes: Int, reading: TelemetryReading?,
                      response: [UInt8])
        case rejected(kid: [UInt8], error: OSCOREError, dropSession: Bool)
        /// A retransmission of the last request: its response again, nothing else.
        case duplicate(response: [UInt8])
    }

    /// The largest message a request or response reconstructs to.
    static let oscoreBufferCapacity = 1280

    func handleOSCORE(_ datagram: [UInt8], message request: borrowing CoAPMessage, source: PeerAddress,
                      now: Double) -> [UInt8]? {
        let recipientID: UInt32?
        do throws(OSCOREError) {
            let protected = try OSCOREProtectedMessage(parsing: datagram.span)
            guard !protected.optionValue.partialIV.isEmpty, let kid = protected.kid else {
                throw OSCOREError.malformed(.missingKid)
            }
            recipientID = Self.recipientID(fromKid: kid)
        } catch {
            publish(.oscoreRejected(kid: nil, source: source, rejection: .malformed))
            return oscoreErrorResponse(request, error: error)
        }
        let token = [UInt8](copying: request.token)
        let messageID = request.messageID
        let crypto = self.crypto
        let outcome = recipientID.flatMap { id in
            sessions.withSession(id) { session in
                Self.serve(datagram, source: source, session: session, token: token, messageID: messageID, crypto: crypto, now: now)
            }
        }
        switch outcome {
        case nil:
            publish(.oscoreRejected(kid: nil, source: source, rejection: .unknownContext))
            return oscoreErrorResponse(request, error: .securityContextNotFound)
        case .accepted(let kid, let sequenceNumber, let payloadBytes, let reading, let response)?:
            publish(.oscoreAccepted(kid: kid, source: source, sequenceNumber: sequenceNumber, payloadBytes: payloadBytes,
                                    reading: reading))
            return response
        case .rejected(let kid, let error, let dropSession)?:
            if dropSession, let dropped = sessions.drop(kid: kid) { _ = dropped }
            publish(.oscoreRejected(kid: kid, source: source, rejection: Self.rejection(error)))
            return oscoreErrorResponse(request, error: error)
        case .duplicate(let response)?:
            return response
        }
    }

    /// Verifies the request with the session's context and protects the response; runs
    /// under the session's shard lock.
    private static func serve(_ datagram: [UInt8], source: PeerAddress, session: Session, token: [UInt8], messageID: UInt16,
                              crypto: HostCrypto, now: Double) -> Outcome {
        // Keyed by the source too, as RFC 7252 §4.5 keys duplicates by endpoint: the same
        // bytes from elsewhere are a replay, and OSCORE refuses them.
        var hasher = Hasher()
        hasher.combine(source)
        hasher.combine(datagram)
        let requestHash = hasher.finalize()
        if session.lastRequestHash == requestHash, !session.lastResponse.isEmpty {
            return .duplicate(response: session.lastResponse)
        }
        var scratch = [UInt8](repeating: 0, count: oscoreBufferCapacity)
        var inner = [UInt8](repeating: 0, count: oscoreBufferCapacity)
        var output = [UInt8](repeating: 0, count: oscoreBufferCapacity)
        do throws(OSCOREError) {
            let protected = try OSCOREProtectedMessage(parsing: datagram.span)
            var innerCount = 0
            let binding: OSCORERequestBinding
            do {
                var scratchSpan = scratch.mutableSpan
                var writer = ByteWriter(inner.mutableSpan)
                binding = try session.context.unprotectRequest(protected, crypto: crypto, scratch: &scratchSpan, into: &writer)
                innerCount = writer.count
            }
            defer { for i in 0..<innerCount { inner[i] = 0 } }
            let sequenceNumber = (try? OSCOREPartialIV.decode(binding.requestPartialIV.span)) ?? 0
            // The verified inner request decides the inner response code.
            let innerRequest = inner.span.extracting(0..<innerCount)
            let (code, payloadBytes, reading) = Self.telemetryResponseCode(innerRequest)
            var response = [UInt8](repeating: 0, count: 64)
            var responseCount = 0
            do {
                var writer = ByteWriter(response.mutableSpan)
                var builder = CoAPMessageBuilder()
                do throws(CoAPError) {
                    try builder.header(type: .acknowledgement, code: code, messageID: messageID, token: token.span,
                                       into: &writer)
                    try builder.payload(Span(), into: &writer)
                } catch {
                    throw OSCOREError.outputTooSmall
                }
                responseCount = writer.count
            }
            var outputCount = 0
            do {
                var scratchSpan = scratch.mutableSpan
                var writer = ByteWriter(output.mutableSpan)
                try session.context.protectResponse(response.span.extracting(0..<responseCount), request: binding,
                                                    crypto: crypto, scratch: &scratchSpan, into: &writer)
                outputCount = writer.count
            }
            session.lastActivity = now
            session.peer = source
            session.requestsAccepted += 1
            if let reading { session.lastReading = reading }
            output.removeSubrange(outputCount...)
            session.lastRequestHash = requestHash
            session.lastResponse = output
            return .accepted(kid: session.kid, sequenceNumber: sequenceNumber, payloadBytes: payloadBytes,
                             reading: reading, response: output)
        } catch {
            // Only an exhausted context is dropped: a forged or replayed request must not be
            // able to end a device's session.
            let exhausted: Bool
            switch error {
            case .keyUsageLimitReached, .sequenceNumberExhausted, .contextWiped: exhausted = true
            default: exhausted = false
            }
            return .rejected(kid: session.kid, error: error, dropSession: exhausted)
        }
    }

    /// 2.04 for a well-formed telemetry POST to /t; 4.04 for another resource, 4.05 for
    /// another method, 4.00 for a payload that is not a `TelemetryReading`.
    private static func telemetryResponseCode(_ innerRequest: Span<UInt8>) -> (CoAPCode, Int, TelemetryReading?) {
        guard let message = try? CoAPMessage(parsing: innerRequest) else { return (.badRequest, 0, nil) }
        guard CoAPReply.isTelemetryPath(message) else { return (.notFound, 0, nil) }
        guard message.code == .post else { return (.methodNotAllowed, 0, nil) }
        let payload = message.payload
        guard let reading = try? TelemetryReading(parsing: payload) else { return (.badRequest, payload.count, nil) }
        return (.changed, payload.count, reading)
    }

    private static func rejection(_ error: OSCOREError) -> OSCORERejection {
        switch error {
        case .replayDetected: .replay
        case .decryptionFailed: .decryptionFailed
        case .securityContextNotFound, .contextWiped: .unknownContext
        case .keyUsageLimitReached, .sequenceNumberExhausted: .keyUsageLimit
        default: .malformed
        }
    }

    /// The unprotected error response RFC 8613 §8.2 prescribes for `error`.
    private func oscoreErrorResponse(_ request: borrowing CoAPMessage, error: OSCOREError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 128)
        var written = 0
        do {
            var writer = ByteWriter(bytes.mutableSpan)
            do throws(CoAPError) {
                guard try OSCOREErrorResponse.write(for: error, request: request, messageID: freshMessageID(),
                                                    into: &writer) else { return nil }
            } catch {
                return nil
            }
            written = writer.count
        }
        bytes.removeSubrange(written...)
        return bytes
    }
}

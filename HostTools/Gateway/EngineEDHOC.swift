import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// The EDHOC Responder over CoAP (RFC 9528 Appendix A.2, docs/gateway-protocol.md).
extension GatewayEngine {
    func handleEDHOC(_ request: borrowing CoAPMessage, source: PeerAddress, now: Double) -> [UInt8]? {
        let payload: EDHOCRequestPayload
        do {
            payload = try EDHOCOverCoAP.parseRequestPayload(request.payload)
        } catch {
            publish(.handshakeFailed(kid: nil, source: source, failure: .malformed))
            return edhocError(request, "malformed request")
        }
        if payload.isMessage1 {
            return handleMessage1(request, message1: payload.message, source: source, now: now)
        }
        return handleMessage3(request, connectionIdentifier: payload.connectionIdentifier,
                              message3: payload.message, source: source, now: now)
    }

    // MARK: message_1 → message_2

    private func handleMessage1(_ request: borrowing CoAPMessage, message1: Span<UInt8>, source: PeerAddress,
                                now: Double) -> [UInt8]? {
        guard handshakeLimiter.allow(source, now: now) else {
            return dropped(source, .rateLimited)
        }
        // A retransmitted message_1 gets the same message_2 again; no new work, no new state.
        if let message2 = halfOpen.retransmittedMessage2(from: source, message1: message1, crypto: crypto) {
            return CoAPReply.edhoc(responseTo: request, code: .changed, message: message2.span,
                                   messageID: freshMessageID())
        }
        // Admission control: above the threshold, only a requester that returned a valid
        // Echo value gets Diffie-Hellman work.
        if halfOpen.count >= limits.echoThreshold {
            var proven = false
            if let value = request.options.first(.echo) { proven = echo.isValid(value, for: source, now: now) }
            guard proven else {
                publish(.echoChallengeSent(source: source))
                return CoAPReply.echoChallenge(responseTo: request, echo: echo.issue(for: source, now: now),
                                               messageID: freshMessageID())
            }
        }
        guard let slot = halfOpen.reserve(source: source, now: now, isTaken: sessions.contains) else {
            publish(.handshakeFailed(kid: nil, source: source, failure: .overloaded))
            let retry = UInt32(max(1, limits.halfOpenTimeoutSeconds.rounded(.up)))
            return CoAPReply.serviceUnavailable(responseTo: request, retryAfterSeconds: retry, messageID: freshMessageID())
        }
        var message2 = [UInt8](repeating: 0, count: EDHOCLimits.maxMessage2ByteCount)
        var written = 0
        let suite: Int32
        do throws(EDHOCError) {
            let responder = try EDHOCResponder(supportedSuites: supportedSuites,
                                               connectionID: Self.connectionIdentifier(slot.recipientID))
            let processing = try responder.processMessage1(crypto: crypto, message1: message1)
            suite = processing.selectedSuite
            guard let key = staticKeys[suite] else { throw EDHOCError.unsupportedCipherSuite }
            var random = crypto
            let state: EDHOCResponderWaitM3
            do {
                var writer = ByteWriter(message2.mutableSpan)
                state = try processing.prepareMessage2(crypto: &random, staticKey: key.key, into: &writer)
                written = writer.count
            }
            halfOpen.fill(slot, suite: suite, state: state)
        } catch {
            _ = halfOpen.take(slot.recipientID)
            return handshakeRejected(request, error: error, kid: nil, source: source)
        }
        publish(.handshakeStarted(source: source, suite: suite, ephemeralFingerprint: Self.ephemeralFingerprint(message1, crypto),
                                  session: slot.recipientID))
        message2.removeSubrange(written...)
        return CoAPReply.edhoc(responseTo: request, code: .changed, message: message2.span, messageID: freshMessageID())
    }

    // MARK: message_3 → session

    private func handleMessage3(_ request: borrowing CoAPMessage, connectionIdentifier: Span<UInt8>,
                                message3: Span<UInt8>, source: PeerAddress, now: Double) -> [UInt8]? {
        guard let recipientID = Self.recipientID(fromConnectionIdentifier: connectionIdentifier) else {
            publish(.handshakeFailed(kid: nil, source: source, failure: .unknownConnection))
            return edhocError(request, "unknown connection")
        }
        let fingerprint = Self.fingerprint64(crypto.sha256(message3))
        // Its 2.04 was lost and the device sent message_3 again: answer again.
        if sessions.withSession(recipientID, { $0.message3Fingerprint == fingerprint }) == true {
            return CoAPReply.edhoc(responseTo: request, code: .changed, message: Span(), messageID: freshMessageID())
        }
        guard let slot = halfOpen.take(recipientID), let state = slot.takeState() else {
            publish(.handshakeFailed(kid: nil, source: source, failure: .unknownConnection))
            return edhocError(request, "unknown connection")
        }
        let suite = slot.suite.load(ordering: .relaxed)
        var kid: [UInt8]? = nil
        do throws(EDHOCError) {
            let processing = try state.processMessage3(crypto: crypto, message3: message3)
            let peerKid = [UInt8](copying: processing.peerKeyID.span)
            kid = peerKid
            let record: DeviceRecord?
            do { record = try devices.device(kid: peerKid) } catch {
                logger.error("registry lookup failed", metadata: ["error": "\(error)"])
                record = nil
            }
            guard let record, let credential = try? EDHOCCredential(ccs: record.credential.span),
                  record.suites.contains(suite) else {
                processing.abort()
                throw EDHOCError.unknownCredential
            }
            switch record.status {
            case .active: break
            case .quarantined:
                processing.abort()
                publish(.handshakeFailed(kid: peerKid, source: source, failure: .quarantined))
                return edhocError(request, "quarantined")
            case .revoked:
                processing.abort()
                publish(.handshakeFailed(kid: peerKid, source: source, failure: .revoked))
                return edhocError(request, "revoked")
            }
            let session = try processing.verifyMessage3(crypto: crypto, credentialI: credential)
            let context: OSCORESecurityContext
            do { context = try session.oscoreContext(crypto: crypto) } catch {
                session.close()
                throw error
            }
            session.close()
            while sessions.count >= limits.maxSessions, let evicted = sessions.evictOne() {
                publish(.sessionEvicted(kid: evicted))
            }
            let previous = sessions.install(Session(recipientID: recipientID, kid: peerKid, suite: suite, context: context,
                                                    peer: source, now: now, message3Fingerprint: fingerprint))
            // A quarantine or revocation that landed while message_3 was being verified
            // (the detector acts from another thread) dropped the sessions that existed then;
            // this one came after. Look again, so no session outlives the action.
            if let current = try? devices.device(kid: peerKid), current.status != .active {
                _ = sessions.drop(kid: peerKid)
                publish(.handshakeFailed(kid: peerKid, source: source,
                                         failure: current.status == .revoked ? .revoked : .quarantined))
                return edhocError(request, current.status == .revoked ? "revoked" : "quarantined")
            }
            if let previous { pingPreviousPeer(previous.peer, lastActive: previous.lastActivity, kid: peerKid, current: source, now: now) }
        } catch {
            return handshakeRejected(request, error: error, kid: kid, source: source)
        }
        publish(.handshakeSucceeded(kid: kid ?? [], source: source, suite: suite, session: recipientID,
                                    durationMicroseconds: Int(((now - slot.created) * 1_000_000).rounded())))
        return CoAPReply.edhoc(responseTo: request, code: .changed, message: Span(), messageID: freshMessageID())
    }

    /// The session moved from `peer` to `current`: if `peer` was active recently, ask it
    /// with a CoAP ping whether anything still speaks there (`PreviousPeerPings`). UDP only:
    /// a serial port's board is wired to the gateway.
    private func pingPreviousPeer(_ peer: PeerAddress, lastActive: Double, kid: [UInt8], current: PeerAddress, now: Double) {
        guard peer != current, case .udp = peer, limits.pingPreviousPeerWithinSeconds > 0,
              now - lastActive <= limits.pingPreviousPeerWithinSeconds else { return }
        _ = pings.ping(peer, kid: kid, current: current, messageID: UInt16.random(in: .min ... .max), now: now)
    }

    // MARK: errors

    /// Answers a failed handshake with the EDHOC error message RFC 9528 §6 prescribes and
    /// publishes its failure class.
    private func handshakeRejected(_ request: borrowing CoAPMessage, error: EDHOCError, kid: [UInt8]?,
                                   source: PeerAddress) -> [UInt8]? {
        let failure: HandshakeFailure
        switch error {
        case .wrongSelectedCipherSuite, .unsupportedCipherSuite: failure = .unsupportedSuite
        case .unknownCredential, .unsupportedCredential: failure = .unknownCredential
        case .macVerificationFailed, .decryptionFailed: failure = .authenticationFailed
        case .invalidPublicKey: failure = .invalidPublicKey
        default: failure = .malformed
        }
        publish(.handshakeFailed(kid: kid, source: source, failure: failure))
        let suitesR = supportedSuites
        return edhocErrorResponse(request) { (writer: inout ByteWriter) throws(ProtocolBufferError) in
            switch failure {
            case .unsupportedSuite: try EDHOCErrorMessage.writeWrongSelectedCipherSuite(suitesR, into: &writer)
            case .unknownCredential: try EDHOCErrorMessage.writeUnknownCredential(into: &writer)
            case .authenticationFailed: try EDHOCErrorMessage.writeUnspecified("authentication failed", into: &writer)
            case .invalidPublicKey: try EDHOCErrorMessage.writeUnspecified("invalid public key", into: &writer)
            default: try EDHOCErrorMessage.writeUnspecified("malformed message", into: &writer)
            }
        }
    }

    /// An EDHOC error message `( 1, diagnostic )` in a 4.00 response.
    func edhocError(_ request: borrowing CoAPMessage, _ diagnostic: StaticString) -> [UInt8]? {
        edhocErrorResponse(request) { (writer: inout ByteWriter) throws(ProtocolBufferError) in
            try EDHOCErrorMessage.writeUnspecified(diagnostic, into: &writer)
        }
    }

    /// The EDHOC error message `write` produces, in a 4.00 response (RFC 9528 Appendix A.2.3).
    private func edhocErrorResponse(_ request: borrowing CoAPMessage,
                                    _ write: (inout ByteWriter) throws(ProtocolBufferError) -> Void) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 64)
        var written = 0
        do {
            var writer = ByteWriter(bytes.mutableSpan)
            do throws(ProtocolBufferError) { try write(&writer) } catch { return nil }
            written = writer.count
        }
        bytes.removeSubrange(written...)
        return CoAPReply.edhoc(responseTo: request, code: .badRequest, message: bytes.span, messageID: freshMessageID())
    }

    // MARK: identifiers

    /// C_R for a Recipient ID: 4 bytes, big-endian (a byte string; never the one-byte int form).
    static func connectionIdentifier(_ recipientID: UInt32) throws(EDHOCError) -> EDHOCIdentifier {
        let bytes: [UInt8] = [UInt8(recipientID >> 24), UInt8(recipientID >> 16 & 0xFF),
                              UInt8(recipientID >> 8 & 0xFF), UInt8(recipientID & 0xFF)]
        return try EDHOCIdentifier(bytes.span)
    }

    /// The Recipient ID from C_R as the request's prefix: the CBOR byte string `0x44 ‖ 4 bytes`.
    static func recipientID(fromConnectionIdentifier item: Span<UInt8>) -> UInt32? {
        guard item.count == 5, item[0] == 0x44 else { return nil }
        return recipientID(fromKid: item.extracting(1..<5))
    }

    /// The Recipient ID from an OSCORE 'kid' (the device's Sender ID, which is C_R).
    static func recipientID(fromKid kid: Span<UInt8>) -> UInt32? {
        guard kid.count == 4 else { return nil }
        return UInt32(kid[0]) << 24 | UInt32(kid[1]) << 16 | UInt32(kid[2]) << 8 | UInt32(kid[3])
    }

    /// First 8 bytes of SHA-256(G_X) from message_1 = ( METHOD, SUITES_I, G_X, C_I, ? EAD_1 ).
    static func ephemeralFingerprint(_ message1: Span<UInt8>, _ crypto: HostCrypto) -> [UInt8] {
        var reader = CBORReader(message1)
        guard (try? reader.readInt()) != nil, (try? reader.skipItem()) != nil,
              let gX = try? reader.readByteString() else { return [] }
        let digest = crypto.sha256(gX)
        return (0..<8).map { digest[$0] }
    }

    static func fingerprint64(_ digest: Bytes32) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(digest[i]) }
        return value
    }
}

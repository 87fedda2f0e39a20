import RampartCrypto
import RampartProtocol

// The EDHOC Initiator over CoAP (RFC 9528 Appendix A.2, docs/gateway-protocol.md):
// message_1 in POST /.well-known/edhoc prefixed with `true`, message_2 in the 2.04, message_3
// prefixed with C_R, and the 2.04 that says the gateway holds the session.

extension Device {
    /// Starts a new handshake (fresh ephemeral key) with the preferred suites.
    mutating func beginHandshake(now: UInt64) -> Bool {
        abortHandshakeState()
        handshake.reset(suites: suitePreferences, now: now)
        counters.handshakesStarted &+= 1
        return sendMessage1(now: now)
    }

    /// Prepares message_1 for `handshake.suites` and sends it (a first attempt, or the retry
    /// after ERR_CODE 2 with SUITES_I from `EDHOCSuites.retry`).
    mutating func sendMessage1(now: UInt64) -> Bool {
        abortHandshakeState()
        // C_I: a random one-byte identifier sent as a CBOR int (0..23); C_R is the gateway's
        // 4-byte choice, so they never clash (RFC 9528 Appendix A.1 needs them different).
        let connectionID = EDHOCIdentifier(byte: UInt8(truncatingIfNeeded: DeviceArithmetic.scale(random32(), below: 24)))
        var message1 = Message1Storage()
        do throws(EDHOCError) {
            let initiator = try EDHOCInitiator(suites: handshake.suites, connectionID: connectionID)
            var buffer = InlineArray<64, UInt8>(repeating: 0)
            var count = 0
            let state: EDHOCInitiatorWaitM2
            do {
                var writer = ByteWriter(buffer.mutableSpan)
                state = try initiator.prepareMessage1(crypto: &crypto, into: &writer)
                count = writer.count
            }
            counters.edhocSessionsStarted &+= 1
            waitM2 = consume state
            do throws(ProtocolBufferError) {
                message1 = try Message1Storage(copying: buffer.span.extracting(0..<count))
            } catch {
                throw .tooLong
            }
        } catch {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return false
        }
        handshake.message1 = message1
        return transmitMessage1(now: now)
    }

    /// Puts `handshake.message1` in a new request (new Message ID and token), with the Echo
    /// value if the gateway asked for one (RFC 9175 §2.4: sent back verbatim).
    mutating func transmitMessage1(now: UInt64) -> Bool {
        let messageID = takeMessageID()
        let token = newToken()
        let timeout = initialTimeoutMilliseconds()
        var count = 0
        do throws(CoAPError) {
            var writer = ByteWriter(exchange.datagram.mutableSpan)
            try Self.writeMessage1Request(messageID: messageID, token: token.span, message1: handshake.message1.span,
                                          echo: handshake.echo.span, into: &writer)
            count = writer.count
        } catch {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return false
        }
        exchange.begin(.message1, count: count, messageID: messageID, token: token,
                       initialTimeoutMilliseconds: timeout, now: now)
        return true
    }

    /// `EDHOCOverCoAP.writeMessage1Request`, with the Echo option (252, after
    /// Content-Format 12 in option order) when `echo` is not empty.
    static func writeMessage1Request(messageID: UInt16, token: Span<UInt8>, message1: Span<UInt8>,
                                     echo: Span<UInt8>, into writer: inout ByteWriter) throws(CoAPError) {
        guard !echo.isEmpty else {
            try EDHOCOverCoAP.writeMessage1Request(messageID: messageID, token: token, message1: message1,
                                                   into: &writer)
            return
        }
        let prefix = InlineArray<1, UInt8>(repeating: EDHOCOverCoAP.message1Prefix)
        var builder = CoAPMessageBuilder()
        try builder.header(type: .confirmable, code: .post, messageID: messageID, token: token, into: &writer)
        try builder.option(.uriPath, EDHOCOverCoAP.pathSegment1, into: &writer)
        try builder.option(.uriPath, EDHOCOverCoAP.pathSegment2, into: &writer)
        try builder.option(.contentFormat, uint: UInt32(CoAPContentFormat.cidEDHOCCBORSeq), into: &writer)
        try builder.option(.echo, echo, into: &writer)
        try builder.payload(prefix.span, message1, into: &writer)
    }

    /// The answer to message_1: message_2, an Echo challenge, an EDHOC error or 5.03.
    mutating func handleMessage1Response(_ message: borrowing CoAPMessage, now: UInt64) {
        let code = message.code
        if code == .changed {
            processMessage2(message.payload, now: now)
        } else if code == .unauthorized, let echo = message.options.first(.echo) {
            answerEcho(echo, now: now)
        } else if code == .badRequest {
            handleEDHOCError(message.payload, now: now)
        } else if code == .serviceUnavailable {
            waitForMaxAge(message, now: now)
        } else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
        }
    }

    /// 4.01 + Echo (admission control under load): the same message_1 again, carrying the
    /// Echo value, up to `maxEchoRetries` times in a row.
    mutating func answerEcho(_ echo: Span<UInt8>, now: UInt64) {
        guard handshake.echoRetries < configuration.maxEchoRetries, !echo.isEmpty,
              echo.count <= DeviceLimits.echoByteCount, waitM2 != nil else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return
        }
        counters.echoChallenges &+= 1
        handshake.echoRetries &+= 1
        handshake.echo.removeAll()
        // Fits: checked against the capacity above.
        try? handshake.echo.append(echo)
        _ = transmitMessage1(now: now)
    }

    /// Verifies message_2 with CRED_R, prepares message_3, derives the OSCORE context
    /// (installed only once the gateway confirms message_3) and sends message_3.
    mutating func processMessage2(_ message2: Span<UInt8>, now: UInt64) {
        guard let state = waitM2.take() else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return
        }
        var message3 = Message3Storage(repeating: 0)
        var message3Count = 0
        var prefix = ConnectionIDPrefix()
        do throws(EDHOCError) {
            // The derived context goes straight into `pendingContext` (no temporary copies of
            // it here); installed only when the gateway confirms message_3.
            message3Count = try Self.answerMessage2(state, message2: message2, crypto: crypto, staticKey: staticKey,
                                                    credentialR: gatewayCredential, message3: &message3,
                                                    prefix: &prefix, context: &pendingContext)
            counters.edhocSessionsEnded &+= 1
        } catch let error {
            // Every transition wiped the state it consumed, on failure too.
            counters.edhocSessionsEnded &+= 1
            if case .errorMessageReceived = error {
                handleEDHOCError(message2, now: now)
            } else {
                counters.protocolErrors &+= 1
                failHandshake(now: now, backOff: configuration.handshakeBackOff)
            }
            return
        }
        counters.oscoreContextsDerived &+= 1
        sendMessage3(prefix: prefix, message3: message3.span.extracting(0..<message3Count), now: now)
    }

    /// The EDHOC steps from message_2 to message_3 and the OSCORE context: writes message_3
    /// and C_R's compact form, returns message_3's length. Static, with the crypto provider,
    /// the static key and CRED_R borrowed once: called from the mutating method, every
    /// borrowing call copied them into its frame again. Its own frame holds the typestates
    /// while they live.
    @inline(never)
    static func answerMessage2(_ state: consuming EDHOCInitiatorWaitM2, message2: Span<UInt8>, crypto: borrowing Crypto,
                               staticKey: borrowing EDHOCStaticKey, credentialR: borrowing EDHOCCredential,
                               message3: inout Message3Storage, prefix: inout ConnectionIDPrefix,
                               context: inout OSCORESecurityContext?) throws(EDHOCError) -> Int {
        let processing = try state.processMessage2(crypto: crypto, message2: message2)
        let processed = try processing.verifyMessage2(crypto: crypto, staticKey: staticKey, credentialR: credentialR)
        let session: EDHOCSession
        var count = 0
        do {
            var writer = ByteWriter(message3.mutableSpan)
            session = try processed.prepareMessage3(crypto: crypto, staticKey: staticKey, into: &writer)
            count = writer.count
        }
        do throws(EDHOCError) {
            do throws(ProtocolBufferError) {
                try session.responderConnectionID.writeCompact(into: &prefix)
            } catch {
                throw EDHOCError.tooLong
            }
            context = try session.oscoreContext(crypto: crypto)
        } catch {
            session.close()
            throw error
        }
        // Only the OSCORE context is needed from here: PRK_out goes now.
        session.close()
        return count
    }

    /// message_3 prefixed with C_R (RFC 9528 Appendix A.2), in a new request.
    @inline(never)
    mutating func sendMessage3(prefix: ConnectionIDPrefix, message3: Span<UInt8>, now: UInt64) {
        let messageID = takeMessageID()
        let token = newToken()
        let timeout = initialTimeoutMilliseconds()
        var count = 0
        do throws(CoAPError) {
            var writer = ByteWriter(exchange.datagram.mutableSpan)
            try EDHOCOverCoAP.writeRequest(messageID: messageID, token: token.span,
                                           connectionIdentifierR: prefix.span, message: message3, into: &writer)
            count = writer.count
        } catch {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return
        }
        exchange.begin(.message3, count: count, messageID: messageID, token: token,
                       initialTimeoutMilliseconds: timeout, now: now)
    }

    /// The answer to message_3: 2.04 (the session exists), an EDHOC error (the kid is
    /// unknown, quarantined or revoked, or message_3 did not verify) or 5.03.
    mutating func handleMessage3Response(_ message: borrowing CoAPMessage, now: UInt64) {
        let code = message.code
        if code == .changed {
            completeHandshake(now: now)
        } else if code == .badRequest {
            handleEDHOCError(message.payload, now: now)
        } else if code == .serviceUnavailable {
            waitForMaxAge(message, now: now)
        } else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
        }
    }

    /// Installs the new context in place of the old one (wiped) and goes to `connected`.
    mutating func completeHandshake(now: UInt64) {
        guard let fresh = pendingContext.take() else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return
        }
        wipeContext()
        context = consume fresh
        counters.handshakesSucceeded &+= 1
        counters.lastHandshakeLatencyMilliseconds = UInt32(truncatingIfNeeded: min(now &- handshake.startedAt, 0xFFFF_FFFF))
        switch handshakeReason {
        case .scheduled: counters.rekeysScheduled &+= 1
        case .forced: counters.rekeysForced &+= 1
        case .initial: break
        }
        handshakeReason = .initial
        phase = .connected
        backOffAttempts = 0
        let interval = UInt64(configuration.rekeyIntervalSeconds) &* 1000
        rekeyDueAt = interval == 0 ? UInt64.max : Self.deadline(now, plus: interval)
        rekeyNotBefore = 0
        noteOutcome(failed: false)
    }
}

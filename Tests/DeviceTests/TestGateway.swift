// A minimal gateway built from the protocol core's Responder side, for one device: EDHOC
// over CoAP (RFC 9528 Appendix A.2) and the OSCORE server for POST /t, with knobs for the
// answers docs/gateway-protocol.md lists (Echo, suite errors, quarantine, revocation, 5.03,
// forced re-key). Not the real gateway (HostTools/Gateway): the device's tests need a peer
// they can steer message by message.
import Testing
import RampartCrypto
import RampartHostCrypto
import RampartProtocol
import RampartDevice

final class TestGateway {
    var crypto: HostCrypto
    let staticKey: EDHOCStaticKey
    let deviceCredential: EDHOCCredential
    var supportedSuites: EDHOCSuites

    // Knobs.
    /// Answer message_1 without this Echo value with 4.01 + Echo.
    var requiredEcho: [UInt8]? = nil
    /// Answer the next message_1 with ERR_CODE 2 and these SUITES_R (once).
    var suitesErrorOnce: EDHOCSuites? = nil
    /// Answer message_3 with an ERR_CODE 1 error with this diagnostic ("quarantined", …).
    var message3Diagnostic: StaticString? = nil
    /// Answer the next message_1 with 5.03 and this Max-Age (once).
    var serviceUnavailableOnce: UInt32? = nil
    /// Answer OSCORE requests with an empty ACK, then the response as a separate CON.
    var separateResponses = false

    // What happened.
    private(set) var message1Payloads: [[UInt8]] = []
    private(set) var echoesReceived: [[UInt8]?] = []
    private(set) var sessionsEstablished = 0
    /// C_R of each session, in order.
    private(set) var sessionIDs: [[UInt8]] = []
    private(set) var readings: [TelemetryReading] = []
    /// Inner Uri-Path and Content-Format of each verified request.
    private(set) var innerPaths: [[UInt8]] = []
    private(set) var innerContentFormats: [[UInt8]] = []
    /// Separate responses queued for the link to deliver after the empty ACK.
    private(set) var pendingSeparate: [UInt8]? = nil
    /// Requests answered with 4.01 because no context was there.
    private(set) var unauthorizedCount = 0
    /// OSCORE requests the previous (dropped) server context still opened: must stay 0.
    private(set) var openedByPreviousContext = 0

    private var waitM3: EDHOCResponderWaitM3? = nil
    private var nextConnectionID: UInt32 = 0xC0DE_0001
    private var lastMessage3: (request: [UInt8], response: [UInt8])? = nil
    var server: OSCORESecurityContext? = nil
    private var previousServer: OSCORESecurityContext? = nil

    init(identity: TestIdentity, deviceCredential: EDHOCCredential, supportedSuites: [Int32]) throws {
        crypto = try HostCrypto()
        staticKey = try identity.staticKey(crypto)
        self.deviceCredential = deviceCredential
        var suites = EDHOCSuites()
        for suite in supportedSuites { try suites.append(suite) }
        self.supportedSuites = suites
    }

    deinit {
        waitM3.take()?.abort()
        server?.wipe()
        previousServer?.wipe()
    }

    /// Drops the device's OSCORE context, as the real gateway's force-rekey action does; the
    /// old context is kept aside only to prove the next session's keys differ.
    func forceRekey() {
        previousServer?.wipe()
        previousServer = server.take()
    }

    /// The gateway's answer to one datagram, or nil.
    func handle(_ bytes: [UInt8]) -> [UInt8]? {
        guard let message = try? CoAPMessage(parsing: bytes.span) else { return nil }
        if message.options.occurrences(of: .oscore) > 0 { return handleOSCORE(bytes) }
        guard EDHOCOverCoAP.isEDHOCRequest(message) else { return nil }
        let token = TestCoAP.array(message.token)
        let messageID = message.messageID
        let echo = TestCoAP.option(bytes, .echo)
        guard let payload = try? EDHOCOverCoAP.parseRequestPayload(message.payload) else { return nil }
        if payload.isMessage1 {
            let message1 = TestCoAP.array(payload.message)
            message1Payloads.append(message1)
            echoesReceived.append(echo)
            return answerMessage1(message1, echo: echo, messageID: messageID, token: token)
        }
        if let last = lastMessage3, last.request == TestCoAP.array(payload.message) {
            return respond(messageID: messageID, token: token, code: .changed, payload: [])
        }
        let message3 = TestCoAP.array(payload.message)
        let response = answerMessage3(message3, messageID: messageID, token: token)
        return response
    }

    private func answerMessage1(_ message1: [UInt8], echo: [UInt8]?, messageID: UInt16, token: [UInt8]) -> [UInt8]? {
        if let message2 = message2IfRetransmission(of: message1) {
            // RFC 9528 Appendix A.2: a retransmitted message_1 gets the same message_2.
            return respond(messageID: messageID, token: token, code: .changed, payload: message2)
        }
        if let required = requiredEcho, echo != required {
            return try? TestCoAP.write { (w: inout ByteWriter) throws in
                var builder = CoAPMessageBuilder()
                try builder.header(type: .acknowledgement, code: .unauthorized, messageID: messageID, token: token.span,
                                   into: &w)
                try builder.option(.echo, required.span, into: &w)
            }
        }
        if let maxAge = serviceUnavailableOnce {
            serviceUnavailableOnce = nil
            return try? TestCoAP.write { (w: inout ByteWriter) throws in
                var builder = CoAPMessageBuilder()
                try builder.header(type: .acknowledgement, code: .serviceUnavailable, messageID: messageID,
                                   token: token.span, into: &w)
                try builder.option(.maxAge, uint: maxAge, into: &w)
            }
        }
        if let suitesR = suitesErrorOnce {
            suitesErrorOnce = nil
            let error = try! TestCoAP.write { (w: inout ByteWriter) throws in
                try EDHOCErrorMessage.writeWrongSelectedCipherSuite(suitesR, into: &w)
            }
            return respond(messageID: messageID, token: token, code: .badRequest, payload: error)
        }
        let connectionID = withUnsafeBytes(of: nextConnectionID.bigEndian) { Array($0) }
        nextConnectionID &+= 1
        do throws(EDHOCError) {
            let responder = try EDHOCResponder(supportedSuites: supportedSuites,
                                               connectionID: EDHOCIdentifier(connectionID.span))
            let processing = try responder.processMessage1(crypto: crypto, message1: message1.span)
            var buffer = [UInt8](repeating: 0, count: 256)
            var count = 0
            let state: EDHOCResponderWaitM3
            do {
                var w = ByteWriter(buffer.mutableSpan)
                state = try processing.prepareMessage2(crypto: &crypto, staticKey: staticKey, into: &w)
                count = w.count
            }
            waitM3.take()?.abort()
            waitM3 = consume state
            return respond(messageID: messageID, token: token, code: .changed, payload: Array(buffer.prefix(count)))
        } catch .wrongSelectedCipherSuite {
            let error = try! TestCoAP.write { (w: inout ByteWriter) throws in
                try EDHOCErrorMessage.writeWrongSelectedCipherSuite(supportedSuites, into: &w)
            }
            return respond(messageID: messageID, token: token, code: .badRequest, payload: error)
        } catch {
            Issue.record("the test gateway could not answer message_1: \(error)")
            return nil
        }
    }

    private func message2IfRetransmission(of message1: [UInt8]) -> [UInt8]? {
        switch waitM3 {
        case .some(let waiting):
            waiting.isRetransmission(ofMessage1: message1.span, crypto: crypto) ? waiting.message2.array : nil
        case .none:
            nil
        }
    }

    private func answerMessage3(_ message3: [UInt8], messageID: UInt16, token: [UInt8]) -> [UInt8]? {
        guard let state = waitM3.take() else { return nil }
        if let diagnostic = message3Diagnostic {
            state.abort()
            let error = try! TestCoAP.write { (w: inout ByteWriter) throws in
                try EDHOCErrorMessage.writeUnspecified(diagnostic, into: &w)
            }
            return respond(messageID: messageID, token: token, code: .badRequest, payload: error)
        }
        do throws(EDHOCError) {
            let processing = try state.processMessage3(crypto: crypto, message3: message3.span)
            let session = try processing.verifyMessage3(crypto: crypto, credentialI: deviceCredential)
            let context: OSCORESecurityContext
            do {
                context = try session.oscoreContext(crypto: crypto)
            } catch {
                session.close()
                throw error
            }
            sessionIDs.append(TestCoAP.array(session.responderConnectionID.span))
            session.close()
            server?.wipe()
            server = consume context
            sessionsEstablished += 1
            let response = respond(messageID: messageID, token: token, code: .changed, payload: [])
            lastMessage3 = (message3, response)
            return response
        } catch {
            Issue.record("the test gateway rejected message_3: \(error)")
            return nil
        }
    }

    private func handleOSCORE(_ bytes: [UInt8]) -> [UInt8]? {
        guard let message = try? CoAPMessage(parsing: bytes.span) else { return nil }
        // Once a new session exists, nothing may open with the dropped context.
        if server != nil, previousServer != nil, (try? Self.unprotect(&previousServer, bytes, crypto: crypto)) != nil {
            openedByPreviousContext += 1
        }
        guard server != nil else {
            unauthorizedCount += 1
            return try? TestCoAP.write { (w: inout ByteWriter) throws in
                _ = try OSCOREErrorResponse.write(for: .securityContextNotFound, request: message,
                                                  messageID: message.messageID, into: &w)
            }
        }
        let opened: (request: [UInt8], binding: OSCORERequestBinding)
        do {
            opened = try Self.unprotect(&server, bytes, crypto: crypto)
        } catch {
            Issue.record("the test gateway could not verify a request: \(error)")
            return nil
        }
        guard let reading = try? TelemetryReading(parsing: TestCoAP.payload(opened.request).span) else {
            Issue.record("the decrypted request is not a reading")
            return nil
        }
        readings.append(reading)
        innerPaths.append(TestCoAP.option(opened.request, .uriPath) ?? [])
        innerContentFormats.append(TestCoAP.option(opened.request, .contentFormat) ?? [])
        let type: CoAPMessageType = separateResponses ? .confirmable : .acknowledgement
        let responseID = separateResponses ? message.messageID &+ 0x4000 : message.messageID
        let plain = try! TestCoAP.write { (w: inout ByteWriter) throws in
            var builder = CoAPMessageBuilder()
            try builder.header(type: type, code: .changed, messageID: responseID, token: message.token, into: &w)
        }
        var protected = [UInt8](repeating: 0, count: 128)
        var count = 0
        do {
            var scratchStorage = [UInt8](repeating: 0, count: 128)
            var scratch = scratchStorage.mutableSpan
            var w = ByteWriter(protected.mutableSpan)
            try server?.protectResponse(plain.span, request: opened.binding, crypto: crypto, scratch: &scratch, into: &w)
            count = w.count
        } catch {
            Issue.record("the test gateway could not protect a response: \(error)")
            return nil
        }
        let response = Array(protected.prefix(count))
        if separateResponses {
            pendingSeparate = response
            return [0x60, 0x00, bytes[2], bytes[3]] // empty ACK
        }
        return response
    }

    /// Takes the separate response queued by the last OSCORE request.
    func takeSeparateResponse() -> [UInt8]? {
        defer { pendingSeparate = nil }
        return pendingSeparate
    }

    static func unprotect(_ context: inout OSCORESecurityContext?, _ bytes: [UInt8],
                          crypto: HostCrypto) throws(OSCOREError) -> (request: [UInt8], binding: OSCORERequestBinding) {
        var output = [UInt8](repeating: 0, count: 256)
        var scratchStorage = [UInt8](repeating: 0, count: 256)
        var count = 0
        let binding: OSCORERequestBinding
        do {
            let message = try OSCOREProtectedMessage(parsing: bytes.span)
            var scratch = scratchStorage.mutableSpan
            var w = ByteWriter(output.mutableSpan)
            guard let bound = try context?.unprotectRequest(message, crypto: crypto, scratch: &scratch, into: &w) else {
                throw OSCOREError.securityContextNotFound
            }
            binding = bound
            count = w.count
        }
        return (Array(output.prefix(count)), binding)
    }

    private func respond(messageID: UInt16, token: [UInt8], code: CoAPCode, payload: [UInt8]) -> [UInt8] {
        try! TestCoAP.write { (w: inout ByteWriter) throws in
            if payload.isEmpty {
                var builder = CoAPMessageBuilder()
                try builder.header(type: .acknowledgement, code: code, messageID: messageID, token: token.span, into: &w)
            } else {
                try EDHOCOverCoAP.writeResponse(code: code, messageID: messageID, token: token.span,
                                                message: payload.span, into: &w)
            }
        }
    }
}

extension BoundedBytes {
    var array: [UInt8] { (0..<count).map { self[$0] } }
}

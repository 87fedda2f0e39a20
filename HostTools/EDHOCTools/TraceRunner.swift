import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// Runs a whole EDHOC method-3 handshake with both roles in one process, with the keys,
/// ephemerals and identifiers of an `EDHOCTraceInput` injected, and records every
/// intermediate value under RFC 9529's names: `rampart edhoc trace` and the trace tests.
public enum EDHOCTraceRunner {
    /// The size of each message buffer (messages here are at most a few hundred bytes).
    static let messageCapacity = 512

    public static func run(_ input: EDHOCTraceInput) throws(EDHOCTraceError) -> EDHOCTraceRecorder {
        guard input.method == 3 else {
            throw .invalidInput("method \(input.method) is not supported; Rampart implements method 3 (static DH)")
        }
        var crypto: HostCrypto
        do { crypto = try HostCrypto() } catch { throw .handshakeFailed(step: "libsodium", reason: "\(error)") }
        let trace = EDHOCTraceRecorder()

        func step<R: ~Copyable>(_ name: String, _ body: () throws(EDHOCError) -> R) throws(EDHOCTraceError) -> R {
            do { return try body() } catch { throw .handshakeFailed(step: name, reason: describe(error)) }
        }
        func bytes32(_ key: String) throws(EDHOCTraceError) -> Bytes32 {
            let raw = input[key]!
            guard raw.count == 32 else { throw .invalidInput("\"\(key)\" must be 32 bytes, not \(raw.count)") }
            var out = Bytes32.zero
            for i in 0..<32 { out[i] = raw[i] }
            return out
        }

        let suitesI = try step("SUITES_I") { () throws(EDHOCError) in try parseSuites(input["SUITES_I"]!) }
        let suitesR = try step("SUITES_R") { () throws(EDHOCError) in
            if let raw = input["SUITES_R"] { return try parseSuites(raw) }
            return try EDHOCSuites(suitesI.selected ?? 0)
        }
        let credentialI = try step("CRED_I") { () throws(EDHOCError) in try credential(input["CRED_I"]!) }
        let credentialR = try step("CRED_R") { () throws(EDHOCError) in try credential(input["CRED_R"]!) }
        try checkIDCred(input["ID_CRED_I"]!, credentialI, name: "ID_CRED_I")
        try checkIDCred(input["ID_CRED_R"]!, credentialR, name: "ID_CRED_R")
        let skI = try bytes32("SK_I"), skR = try bytes32("SK_R")
        let staticI = try step("SK_I") { () throws(EDHOCError) in
            try EDHOCStaticKey(crypto: crypto, privateKey: skI, credential: credentialI)
        }
        let staticR = try step("SK_R") { () throws(EDHOCError) in
            try EDHOCStaticKey(crypto: crypto, privateKey: skR, credential: credentialR)
        }
        trace.add("G_I", Array(span: credentialI.publicKey.span))
        trace.add("G_R", Array(span: credentialR.publicKey.span))
        let cI = try step("C_I") { () throws(EDHOCError) in try identifier(input["C_I"]!) }
        let cR = try step("C_R") { () throws(EDHOCError) in try identifier(input["C_R"]!) }
        let x = try bytes32("X"), y = try bytes32("Y")
        let ead = (1...4).map { input["EAD_\($0)"] ?? [] }

        let initiator = try step("initiator") { () throws(EDHOCError) in try EDHOCInitiator(suites: suitesI, connectionID: cI) }
        let responder = try step("responder") { () throws(EDHOCError) in try EDHOCResponder(supportedSuites: suitesR, connectionID: cR) }
        let (ead1, ead2, ead3, ead4) = (ead[0], ead[1], ead[2], ead[3])
        var message1 = [UInt8](repeating: 0, count: messageCapacity)
        var message2 = message1, message3 = message1, message4 = message1
        var step = "message_1"
        do throws(EDHOCError) {
            var written = 0
            let waitM2: EDHOCInitiatorWaitM2
            do {
                var writer = ByteWriter(message1.mutableSpan)
                waitM2 = try initiator.prepareMessage1(crypto: &crypto, ephemeralKey: x, ead1: ead1.span, into: &writer, trace: trace)
                written = writer.count
            }
            message1.removeSubrange(written...)

            step = "processing message_1"
            let processingM1 = try responder.processMessage1(crypto: crypto, message1: message1.span,
                                                             understoodEAD: { _ in true }, trace: trace)
            step = "message_2"
            let waitM3: EDHOCResponderWaitM3
            do {
                var writer = ByteWriter(message2.mutableSpan)
                waitM3 = try processingM1.prepareMessage2(crypto: &crypto, staticKey: staticR, ephemeralKey: y,
                                                          ead2: ead2.span, into: &writer, trace: trace)
                written = writer.count
            }
            message2.removeSubrange(written...)

            step = "processing message_2"
            let processingM2 = try waitM2.processMessage2(crypto: crypto, message2: message2.span,
                                                          understoodEAD: { _ in true }, trace: trace)
            step = "verifying message_2"
            let processedM2 = try processingM2.verifyMessage2(crypto: crypto, staticKey: staticI,
                                                              credentialR: credentialR, trace: trace)
            step = "message_3"
            var initiatorSession: EDHOCSession
            do {
                var writer = ByteWriter(message3.mutableSpan)
                initiatorSession = try processedM2.prepareMessage3(crypto: crypto, staticKey: staticI, ead3: ead3.span,
                                                                   into: &writer, trace: trace)
                written = writer.count
            }
            message3.removeSubrange(written...)

            step = "processing message_3"
            let processingM3 = try waitM3.processMessage3(crypto: crypto, message3: message3.span,
                                                          understoodEAD: { _ in true }, trace: trace)
            step = "verifying message_3"
            var responderSession = try processingM3.verifyMessage3(crypto: crypto, credentialI: credentialI, trace: trace)

            step = "message_4"
            do {
                var writer = ByteWriter(message4.mutableSpan)
                try responderSession.prepareMessage4(crypto: crypto, ead4: ead4.span, into: &writer, trace: trace)
                written = writer.count
            }
            message4.removeSubrange(written...)
            step = "processing message_4"
            _ = try initiatorSession.processMessage4(crypto: crypto, message4: message4.span, understoodEAD: { _ in true })

            step = "EDHOC_Exporter"
            try recordOSCORE(initiatorSession, responderSession, crypto: crypto, trace: trace, suffix: "")
            if let context = input["KeyUpdate context"] {
                step = "KeyUpdate"
                try initiatorSession.keyUpdate(crypto: crypto, context: context.span, trace: trace)
                try responderSession.keyUpdate(crypto: crypto, context: context.span, trace: trace)
                try recordOSCORE(initiatorSession, responderSession, crypto: crypto, trace: trace, suffix: " after KeyUpdate")
            }
            initiatorSession.close()
            responderSession.close()
        } catch {
            throw .handshakeFailed(step: step, reason: describe(error))
        }
        staticI.destroy()
        staticR.destroy()
        if !trace.disagreements.isEmpty {
            throw .handshakeFailed(step: "cross-check", reason: "the roles disagree on \(trace.disagreements.joined(separator: ", "))")
        }
        return trace
    }

    /// OSCORE parameters from both sessions (RFC 9528 Appendix A.1), which must agree.
    static func recordOSCORE(_ initiator: borrowing EDHOCSession, _ responder: borrowing EDHOCSession, crypto: HostCrypto,
                             trace: EDHOCTraceRecorder, suffix: String) throws(EDHOCError) {
        for session in [0, 1] {
            let secret = session == 0 ? try initiator.oscoreMasterSecret(crypto: crypto)
                                      : try responder.oscoreMasterSecret(crypto: crypto)
            let salt = session == 0 ? try initiator.oscoreMasterSalt(crypto: crypto)
                                    : try responder.oscoreMasterSalt(crypto: crypto)
            trace.add("OSCORE Master Secret" + suffix, Array(span: secret.span))
            trace.add("OSCORE Master Salt" + suffix, Array(span: salt.span))
        }
        if suffix.isEmpty {
            trace.add("Client's OSCORE Sender ID", Array(span: initiator.oscoreSenderID.span))
            trace.add("Server's OSCORE Sender ID", Array(span: responder.oscoreSenderID.span))
        }
    }

    static func parseSuites(_ raw: [UInt8]) throws(EDHOCError) -> EDHOCSuites {
        try raw.withUnsafeBufferPointer { b throws(EDHOCError) in try EDHOCSuites(encoded: b.span) }
    }

    static func credential(_ raw: [UInt8]) throws(EDHOCError) -> EDHOCCredential {
        try raw.withUnsafeBufferPointer { b throws(EDHOCError) in try EDHOCCredential(ccs: b.span) }
    }

    static func identifier(_ raw: [UInt8]) throws(EDHOCError) -> EDHOCIdentifier {
        try raw.withUnsafeBufferPointer { b throws(EDHOCError) in try EDHOCIdentifier(b.span) }
    }

    /// The input's ID_CRED_x must be `{4: kid}` with the credential's kid: Rampart
    /// identifies credentials by kid only.
    static func checkIDCred(_ raw: [UInt8], _ credential: EDHOCCredential, name: String) throws(EDHOCTraceError) {
        let kid = Array(span: credential.keyID.span)
        let expected: [UInt8] = [0xA1, 0x04, 0x40 | UInt8(kid.count)] + kid
        guard kid.count < 24, raw == expected else {
            throw .invalidInput("\"\(name)\" must be {4: kid} with the kid of its credential (\(Hex.encode(expected)))")
        }
    }

    static func describe(_ error: EDHOCError) -> String {
        switch error {
        case .malformedMessage(let cbor): "malformed message (\(cbor))"
        case .errorMessageReceived(let code): "the peer sent an EDHOC error with ERR_CODE \(code)"
        default: "\(error)"
        }
    }
}

extension Array where Element == UInt8 {
    init(span: Span<UInt8>) {
        self.init()
        reserveCapacity(span.count)
        for i in 0..<span.count { append(span[i]) }
    }
}

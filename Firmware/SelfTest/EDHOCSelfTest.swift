import RampartCrypto
import RampartPlatform
import RampartProtocol

// EDHOC (RFC 9528, method 3) on the board: both roles of RFC 9529 trace 2 (suite 2) and of the
// suite-0 handshake, with the static keys and ephemerals of the vectors injected, each role
// fed the peer's messages from the vectors and checked byte for byte against
// EDHOCVectors.swift (generated from Tests/Vectors by scripts/gen-selftest-vectors.py). The
// host checks every intermediate value of the same handshakes (Tests/ProtocolTests); here the
// device build must produce the same bytes. Peak stack on the micro:bit: about 6.7 KB.

func checkEDHOCTrace2<Output: Console>(_ report: inout SelfTestReport<Output>) {
    let outcome = EDHOCHandshakeCheck.run(EDHOCVectors.trace2)
    report.check(outcome.message1, "EDHOC trace 2 message_1")
    report.check(outcome.message2, "EDHOC trace 2 message_2")
    report.check(outcome.message3, "EDHOC trace 2 message_3")
    report.check(outcome.message4, "EDHOC trace 2 message_4")
    report.check(outcome.prkOut, "EDHOC trace 2 PRK_out (both roles)")
    report.check(outcome.oscoreMasterSecret, "EDHOC trace 2 OSCORE Master Secret (both roles)")
    report.check(outcome.oscoreMasterSalt, "EDHOC trace 2 OSCORE Master Salt (both roles)")
    report.check(outcome.prkOutAfterKeyUpdate, "EDHOC trace 2 PRK_out after KeyUpdate (both roles)")
}

func checkEDHOCSuiteNegotiation<Output: Console>(_ report: inout SelfTestReport<Output>) {
    let outcome = EDHOCNegotiationCheck.run()
    report.check(outcome.rejected, "EDHOC trace 2 message_1 (first time) rejected: wrong selected suite")
    report.check(outcome.errorMessage, "EDHOC trace 2 error message (ERR_CODE 2, SUITES_R)")
    report.check(outcome.retried, "EDHOC trace 2 SUITES_I of the retry")
}

func checkEDHOCSuite0<Output: Console>(_ report: inout SelfTestReport<Output>) {
    let outcome = EDHOCHandshakeCheck.run(EDHOCVectors.suite0)
    report.check(outcome.message1, "EDHOC suite 0 message_1")
    report.check(outcome.message2, "EDHOC suite 0 message_2")
    report.check(outcome.message3, "EDHOC suite 0 message_3")
    report.check(outcome.message4, "EDHOC suite 0 message_4")
    report.check(outcome.prkOut, "EDHOC suite 0 PRK_out (both roles)")
}

/// A fixed random source. The handshakes here inject X and Y, so nothing should be drawn; a
/// fixed source keeps these checks independent of the board's entropy, whose own check must
/// be the only one to fail when it is broken.
public struct FixedRandom: RandomSource {
    var next: UInt8 = 1
    public init() {}
    public mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count {
            buffer[i] = next
            next &+= 1
        }
    }
}

/// Which values of one handshake came out right; a value after a failed step stays false.
struct EDHOCHandshakeOutcome {
    /// What one role produced.
    struct Role {
        /// The message this role writes first (message_1 or message_2) and second
        /// (message_3 or message_4), each equal to the trace's.
        var firstMessage = false
        var secondMessage = false
        /// The peer's last message (message_4 for the Initiator, message_3 for the
        /// Responder) accepted.
        var acceptedLastMessage = false
        var prkOut = false
        var oscoreMasterSecret = false
        var oscoreMasterSalt = false
        var prkOutAfterKeyUpdate = false
    }

    var initiator = Role()
    var responder = Role()

    var message1: Bool { initiator.firstMessage }
    var message2: Bool { responder.firstMessage }
    var message3: Bool { initiator.secondMessage && responder.acceptedLastMessage }
    var message4: Bool { responder.secondMessage && initiator.acceptedLastMessage }
    var prkOut: Bool { initiator.prkOut && responder.prkOut }
    var oscoreMasterSecret: Bool { initiator.oscoreMasterSecret && responder.oscoreMasterSecret }
    var oscoreMasterSalt: Bool { initiator.oscoreMasterSalt && responder.oscoreMasterSalt }
    var prkOutAfterKeyUpdate: Bool { initiator.prkOutAfterKeyUpdate && responder.prkOutAfterKeyUpdate }
}

/// Each role of one handshake on its own, against the peer's messages from the vectors (so
/// each role is checked against the trace, not against the other role), one role at a time
/// to keep the stack small on a 16 KB board.
enum EDHOCHandshakeCheck {
    typealias Crypto = SoftwareCrypto<FixedRandom>
    /// One message at a time: the longest message of the vectors is message_2 (46 bytes).
    typealias MessageBuffer = InlineArray<64, UInt8>

    static func run(_ vectors: EDHOCHandshakeVectors) -> EDHOCHandshakeOutcome {
        var outcome = EDHOCHandshakeOutcome()
        outcome.initiator = initiatorSide(vectors)
        outcome.responder = responderSide(vectors)
        return outcome
    }

    @inline(never)
    static func initiatorSide(_ v: EDHOCHandshakeVectors) -> EDHOCHandshakeOutcome.Role {
        var role = EDHOCHandshakeOutcome.Role()
        var crypto = Crypto(random: FixedRandom())
        let staticI: EDHOCStaticKey
        do throws(EDHOCError) { staticI = try staticKey(crypto, v.skI, v.credI) } catch { return role }
        // A failing step leaves the rest of `role` false: those checks fail.
        try? initiatorExchange(v, &crypto, staticI, &role)
        staticI.destroy()
        return role
    }

    @inline(never)
    static func responderSide(_ v: EDHOCHandshakeVectors) -> EDHOCHandshakeOutcome.Role {
        var role = EDHOCHandshakeOutcome.Role()
        var crypto = Crypto(random: FixedRandom())
        let staticR: EDHOCStaticKey
        do throws(EDHOCError) { staticR = try staticKey(crypto, v.skR, v.credR) } catch { return role }
        try? responderExchange(v, &crypto, staticR, &role)
        staticR.destroy()
        return role
    }

    /// message_1 → (trace's message_2) → message_3 → (trace's message_4), then the session.
    static func initiatorExchange(
        _ v: EDHOCHandshakeVectors, _ crypto: inout Crypto, _ staticI: borrowing EDHOCStaticKey,
        _ role: inout EDHOCHandshakeOutcome.Role
    ) throws(EDHOCError) {
        let credentialR = try credential(v.credR)
        let initiator = try EDHOCInitiator(suites: try suites(v.suitesI), connectionID: try identifier(v.cI))
        var message = MessageBuffer(repeating: 0)
        var length = 0

        let waitM2: EDHOCInitiatorWaitM2
        do {
            var writer = ByteWriter(message.mutableSpan)
            waitM2 = try initiator.prepareMessage1(crypto: &crypto, ephemeralKey: hex(v.x), into: &writer)
            length = writer.count
        }
        role.firstMessage = matchesHex(message.span.extracting(0..<length), v.message1)

        length = decodeHex(v.message2, into: &message)
        let processingM2 = try waitM2.processMessage2(crypto: crypto, message2: message.span.extracting(0..<length))
        let processedM2 = try processingM2.verifyMessage2(crypto: crypto, staticKey: staticI, credentialR: credentialR)
        var session: EDHOCSession
        do {
            var writer = ByteWriter(message.mutableSpan)
            session = try processedM2.prepareMessage3(crypto: crypto, staticKey: staticI, into: &writer)
            length = writer.count
        }
        role.secondMessage = matchesHex(message.span.extracting(0..<length), v.message3)

        length = decodeHex(v.message4, into: &message)
        _ = try session.processMessage4(crypto: crypto, message4: message.span.extracting(0..<length))
        role.acceptedLastMessage = true
        do { try checkSession(&session, v, crypto, &role) } catch { session.close(); throw error }
        session.close()
    }

    /// (trace's message_1) → message_2 → (trace's message_3) → message_4, then the session.
    static func responderExchange(
        _ v: EDHOCHandshakeVectors, _ crypto: inout Crypto, _ staticR: borrowing EDHOCStaticKey,
        _ role: inout EDHOCHandshakeOutcome.Role
    ) throws(EDHOCError) {
        let credentialI = try credential(v.credI)
        let responder = try EDHOCResponder(supportedSuites: try suites(v.suitesR), connectionID: try identifier(v.cR))
        var message = MessageBuffer(repeating: 0)
        var length = decodeHex(v.message1, into: &message)

        let processingM1 = try responder.processMessage1(crypto: crypto, message1: message.span.extracting(0..<length))
        let waitM3: EDHOCResponderWaitM3
        do {
            var writer = ByteWriter(message.mutableSpan)
            waitM3 = try processingM1.prepareMessage2(crypto: &crypto, staticKey: staticR, ephemeralKey: hex(v.y),
                                                      into: &writer)
            length = writer.count
        }
        role.firstMessage = matchesHex(message.span.extracting(0..<length), v.message2)

        length = decodeHex(v.message3, into: &message)
        let processingM3 = try waitM3.processMessage3(crypto: crypto, message3: message.span.extracting(0..<length))
        var session = try processingM3.verifyMessage3(crypto: crypto, credentialI: credentialI)
        role.acceptedLastMessage = true
        do {
            var writer = ByteWriter(message.mutableSpan)
            try session.prepareMessage4(crypto: crypto, into: &writer)
            length = writer.count
        }
        role.secondMessage = matchesHex(message.span.extracting(0..<length), v.message4)
        do { try checkSession(&session, v, crypto, &role) } catch { session.close(); throw error }
        session.close()
    }

    /// PRK_out, the OSCORE parameters and PRK_out after KeyUpdate of a completed session;
    /// closes it.
    @inline(never)
    static func checkSession(_ session: inout EDHOCSession, _ v: EDHOCHandshakeVectors, _ crypto: borrowing Crypto,
                             _ role: inout EDHOCHandshakeOutcome.Role) throws(EDHOCError) {
        role.prkOut = matchesHex(session.prkOutForTrace, v.prkOut)
        role.oscoreMasterSecret = matchesHex(try session.oscoreMasterSecret(crypto: crypto).span, v.oscoreMasterSecret)
        role.oscoreMasterSalt = matchesHex(try session.oscoreMasterSalt(crypto: crypto).span, v.oscoreMasterSalt)
        var context = InlineArray<32, UInt8>(repeating: 0)
        let contextLength = decodeHex(v.keyUpdateContext, into: &context)
        try session.keyUpdate(crypto: crypto, context: context.span.extracting(0..<contextLength))
        role.prkOutAfterKeyUpdate = matchesHex(session.prkOutForTrace, v.prkOutAfterKeyUpdate)
    }

    static func staticKey(_ crypto: borrowing Crypto, _ privateKey: StaticString,
                          _ ccs: StaticString) throws(EDHOCError) -> EDHOCStaticKey {
        try EDHOCStaticKey(crypto: crypto, privateKey: hex(privateKey), credential: try credential(ccs))
    }
}

/// RFC 9529 §3.2: the first message_1 offers only suite 6; a Responder supporting suite 2
/// rejects it with ERR_CODE 2 and SUITES_R, and the Initiator retries with SUITES_I = [6, 2].
enum EDHOCNegotiationCheck {
    struct Outcome {
        var rejected = false
        var errorMessage = false
        var retried = false
    }

    /// Trace 2's Initiator supports suites 6 and 2 and prefers 6 (RFC 9529 §3.2).
    static let preferredSuite: Int32 = 6
    static let fallbackSuite: Int32 = 2

    @inline(never)
    static func run() -> Outcome {
        var outcome = Outcome()
        let crypto = SoftwareCrypto(random: FixedRandom())
        let responder: EDHOCResponder
        do throws(EDHOCError) {
            responder = try EDHOCResponder(supportedSuites: try suites(EDHOCVectors.trace2.suitesR),
                                           connectionID: try identifier(EDHOCVectors.trace2.cR))
        } catch {
            return outcome
        }
        var buffer = InlineArray<64, UInt8>(repeating: 0)
        let length = decodeHex(EDHOCVectors.message1FirstTime, into: &buffer)
        do throws(EDHOCError) {
            _ = try responder.processMessage1(crypto: crypto, message1: buffer.span.extracting(0..<length))
        } catch {
            outcome.rejected = error == .wrongSelectedCipherSuite
                && error.errorCode == EDHOCErrorMessage.wrongSelectedCipherSuite
        }

        var written = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            if (try? EDHOCErrorMessage.writeWrongSelectedCipherSuite(responder.supportedSuites, into: &writer)) != nil {
                written = writer.count
            }
        }
        outcome.errorMessage = written > 0 && matchesHex(buffer.span.extracting(0..<written), EDHOCVectors.error)

        guard let error = EDHOCErrorMessage(parsing: buffer.span.extracting(0..<written)),
              error.code == EDHOCErrorMessage.wrongSelectedCipherSuite, let suitesR = error.suitesR,
              let preferences = try? initiatorPreferences(),
              let expected = try? suites(EDHOCVectors.trace2.suitesI),
              let retry = EDHOCSuites.retry(preferences: preferences, suitesR: suitesR) else { return outcome }
        outcome.retried = retry == expected
        return outcome
    }

    /// [6, 2], built without the variadic initializer (its argument array would be a heap object).
    static func initiatorPreferences() throws(EDHOCError) -> EDHOCSuites {
        var suites = EDHOCSuites()
        try suites.append(preferredSuite)
        try suites.append(fallbackSuite)
        return suites
    }
}

// MARK: - Vectors as hex literals

/// SUITES_I or SUITES_R from its encoding.
private func suites(_ encoded: StaticString) throws(EDHOCError) -> EDHOCSuites {
    var buffer = InlineArray<16, UInt8>(repeating: 0)
    let length = decodeHex(encoded, into: &buffer)
    return try EDHOCSuites(encoded: buffer.span.extracting(0..<length))
}

/// A credential (CCS) from its encoding.
@inline(never)
private func credential(_ ccs: StaticString) throws(EDHOCError) -> EDHOCCredential {
    var buffer = InlineArray<128, UInt8>(repeating: 0)
    let length = decodeHex(ccs, into: &buffer)
    return try EDHOCCredential(ccs: buffer.span.extracting(0..<length))
}

/// A connection identifier from its raw bytes.
private func identifier(_ raw: StaticString) throws(EDHOCError) -> EDHOCIdentifier {
    var buffer = InlineArray<8, UInt8>(repeating: 0)
    let length = decodeHex(raw, into: &buffer)
    return try EDHOCIdentifier(buffer.span.extracting(0..<length))
}


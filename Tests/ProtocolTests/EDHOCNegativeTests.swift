import Foundation
import Testing
import RampartCrypto
import RampartEDHOCTools
import RampartHostCrypto
import RampartProtocol

/// Hostile and broken input: every message corrupted at every byte, truncated, extended and
/// replayed; RFC 9529's invalid traces; wrong suites; unknown kids. Each must be rejected
/// with an error (the right one where the RFC names it) and never trap.
@Suite("EDHOC rejects hostile input")
struct EDHOCNegativeTests {
    static let trace = EDHOCTrace2Tests.expected
    static let invalid: [String: [String: String]] = {
        let object = try! JSONSerialization.jsonObject(
            with: Data(contentsOf: ProtocolVectors.directory.appendingPathComponent("rfc9529-invalid.json"))) as! [String: Any]
        return object.compactMapValues { $0 as? [String: String] }
    }()

    static func key(_ name: String) throws -> Bytes32 {
        let bytes = try #require(trace[name])
        return try Bytes32(copying: bytes.span)
    }

    static func credential(_ name: String) throws -> EDHOCCredential {
        let bytes = try #require(trace[name])
        return try EDHOCCredential(ccs: bytes.span)
    }

    /// Trace 2's parties, with trace 2's ephemeral keys.
    struct Parties: ~Copyable {
        var crypto: HostCrypto
        let initiatorKey: EDHOCStaticKey
        let responderKey: EDHOCStaticKey
        let credentialI: EDHOCCredential
        let credentialR: EDHOCCredential
        let responder: EDHOCResponder

        init(responderSuites: EDHOCSuites? = nil) throws {
            let crypto = try HostCrypto()
            let credentialI = try credential("CRED_I"), credentialR = try credential("CRED_R")
            let skI = try key("SK_I"), skR = try key("SK_R")
            let responder = try EDHOCResponder(supportedSuites: responderSuites ?? EDHOCSuites(2),
                                               connectionID: EDHOCIdentifier(byte: 0x27))
            let initiatorKey = try EDHOCStaticKey(crypto: crypto, privateKey: skI, credential: credentialI)
            let responderKey = try EDHOCStaticKey(crypto: crypto, privateKey: skR, credential: credentialR)
            self.initiatorKey = initiatorKey
            self.responderKey = responderKey
            self.responder = responder
            self.crypto = crypto
            self.credentialI = credentialI
            self.credentialR = credentialR
        }

        mutating func message1(_ message: inout [UInt8]) throws -> EDHOCInitiatorWaitM2 {
            let initiator = try EDHOCInitiator(suites: EDHOCSuites(6, 2), connectionID: EDHOCIdentifier(byte: 0x37))
            var buffer = [UInt8](repeating: 0, count: 128)
            var written = 0
            let state: EDHOCInitiatorWaitM2
            do {
                var w = ByteWriter(buffer.mutableSpan)
                state = try initiator.prepareMessage1(crypto: &crypto, ephemeralKey: key("X"), into: &w)
                written = w.count
            }
            message = Array(buffer[0..<written])
            return state
        }

        /// The Responder's answer to `message1` with trace 2's Y, or the error it throws.
        mutating func message2(for message1: [UInt8], _ message: inout [UInt8]) throws(EDHOCError) -> EDHOCResponderWaitM3 {
            let processing = try responder.processMessage1(crypto: crypto, message1: message1.span)
            let y = try! key("Y")
            var buffer = [UInt8](repeating: 0, count: 256)
            var written = 0
            let state: EDHOCResponderWaitM3
            do {
                var w = ByteWriter(buffer.mutableSpan)
                state = try processing.prepareMessage2(crypto: &crypto, staticKey: responderKey,
                                                       ephemeralKey: y, into: &w)
                written = w.count
            }
            message = Array(buffer[0..<written])
            return state
        }
    }

    /// The Initiator's result for a (possibly altered) message_2: the error, or nil if accepted.
    static func initiatorOutcome(_ parties: inout Parties, message2: [UInt8]) throws -> EDHOCError? {
        var ignored = [UInt8]()
        let waitM2 = try parties.message1(&ignored)
        do throws(EDHOCError) {
            let processing = try waitM2.processMessage2(crypto: parties.crypto, message2: message2.span)
            let processed = try processing.verifyMessage2(crypto: parties.crypto, staticKey: parties.initiatorKey,
                                                          credentialR: parties.credentialR)
            processed.abort()
            return nil
        } catch {
            return error
        }
    }

    /// Alterations of a message: every bit-flip position (one bit per byte), every truncation,
    /// and extensions with junk.
    static func alterations(of message: [UInt8]) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for i in message.indices {
            var flipped = message
            flipped[i] ^= UInt8(1 << (i % 8))
            out.append(("byte \(i) flipped", flipped))
        }
        for n in 0..<message.count { out.append(("truncated to \(n)", Array(message[0..<n]))) }
        out.append(("extended with 0xff", message + [0xFF]))
        out.append(("extended with a bstr", message + [0x41, 0x00]))
        return out
    }

    @Test("an altered message_1 never yields a handshake the Initiator accepts")
    func alteredMessage1() throws {
        var parties = try Parties()
        var message1 = [UInt8]()
        try parties.message1(&message1).abort()
        for (what, altered) in Self.alterations(of: message1) {
            // Either the Responder rejects it, or the transcript no longer matches and the
            // Initiator's MAC_2 check fails.
            var message2 = [UInt8]()
            do throws(EDHOCError) {
                try parties.message2(for: altered, &message2).abort()
            } catch {
                continue
            }
            let outcome = try Self.initiatorOutcome(&parties, message2: message2)
            #expect(outcome != nil, "message_1 \(what) was accepted end to end")
        }
    }

    @Test("an altered message_2 is rejected by the Initiator")
    func alteredMessage2() throws {
        var parties = try Parties()
        var message1 = [UInt8]()
        try parties.message1(&message1).abort()
        var message2 = [UInt8]()
        let state = try parties.message2(for: message1, &message2)
        state.abort()
        #expect(try Self.initiatorOutcome(&parties, message2: message2) == nil)
        for (what, altered) in Self.alterations(of: message2) {
            let outcome = try Self.initiatorOutcome(&parties, message2: altered)
            #expect(outcome != nil, "message_2 \(what) was accepted")
        }
        // Trailing bytes are a malformed message, not a curiosity (RFC 9529 §4.1.5).
        #expect(try Self.initiatorOutcome(&parties, message2: message2 + [0x00]) == .malformedMessage(.trailingBytes))
    }

    /// Runs a full handshake up to message_3 and returns the Responder's verdict on `alter(message_3)`.
    static func responderOutcome(alter: ([UInt8]) -> [UInt8]) throws -> EDHOCError? {
        var parties = try Parties()
        var message1 = [UInt8]()
        let waitM2 = try parties.message1(&message1)
        var message2 = [UInt8]()
        let waitM3 = try parties.message2(for: message1, &message2)
        let processing = try waitM2.processMessage2(crypto: parties.crypto, message2: message2.span)
        let processed = try processing.verifyMessage2(crypto: parties.crypto, staticKey: parties.initiatorKey,
                                                      credentialR: parties.credentialR)
        var buffer = [UInt8](repeating: 0, count: 128)
        var written = 0
        do {
            var w = ByteWriter(buffer.mutableSpan)
            let session = try processed.prepareMessage3(crypto: parties.crypto, staticKey: parties.initiatorKey, into: &w)
            written = w.count
            session.close()
        }
        let message3 = alter(Array(buffer[0..<written]))
        do throws(EDHOCError) {
            let processingM3 = try waitM3.processMessage3(crypto: parties.crypto, message3: message3.span)
            let session = try processingM3.verifyMessage3(crypto: parties.crypto, credentialI: parties.credentialI)
            session.close()
            return nil
        } catch {
            return error
        }
    }

    @Test("an altered message_3 is rejected by the Responder")
    func alteredMessage3() throws {
        #expect(try Self.responderOutcome(alter: { $0 }) == nil)
        let message3 = try #require(Self.trace["message_3"])
        for (what, altered) in Self.alterations(of: message3) {
            let outcome = try Self.responderOutcome(alter: { _ in altered })
            #expect(outcome != nil, "message_3 \(what) was accepted")
        }
        // Inside the bstr, any change breaks the AEAD tag.
        var flipped = message3
        flipped[5] ^= 0x01
        #expect(try Self.responderOutcome(alter: { _ in flipped }) == .decryptionFailed)
    }

    @Test("a message_3 replayed into another session is rejected")
    func replayedMessage3() throws {
        // A message_3 from a session with other ephemeral keys cannot decrypt here.
        var parties = try Parties()
        var crypto = parties.crypto
        let initiator = try EDHOCInitiator(suites: EDHOCSuites(6, 2), connectionID: EDHOCIdentifier(byte: 0x37))
        var buffer = [UInt8](repeating: 0, count: 128)
        var written = 0
        let waitM2: EDHOCInitiatorWaitM2
        do {
            var w = ByteWriter(buffer.mutableSpan)
            waitM2 = try initiator.prepareMessage1(crypto: &crypto, into: &w)   // fresh X
            written = w.count
        }
        waitM2.abort()
        var ignored = [UInt8]()
        let waitM3 = try parties.message2(for: Array(buffer[0..<written]), &ignored)
        let replayed = try #require(Self.trace["message_3"])
        do {
            let processing = try waitM3.processMessage3(crypto: parties.crypto, message3: replayed.span)
            processing.abort()
            Issue.record("a replayed message_3 decrypted")
        } catch {
            #expect(error == .decryptionFailed)
        }
    }

    @Test("message_4 is verified, and only once")
    func message4() throws {
        let trace2 = try EDHOCTraceRunner.run(EDHOCTraceInput(json: Data(contentsOf: EDHOCTrace2Tests.inputURL)))
        #expect(trace2["message_4"] == Self.trace["message_4"])
        // A flipped tag byte: run the initiator up to its session and feed the altered message_4.
        var parties = try Parties()
        var message1 = [UInt8]()
        let waitM2 = try parties.message1(&message1)
        var message2 = [UInt8]()
        let waitM3 = try parties.message2(for: message1, &message2)
        waitM3.abort()
        let processing = try waitM2.processMessage2(crypto: parties.crypto, message2: message2.span)
        let processed = try processing.verifyMessage2(crypto: parties.crypto, staticKey: parties.initiatorKey,
                                                      credentialR: parties.credentialR)
        var buffer = [UInt8](repeating: 0, count: 128)
        var session: EDHOCSession
        do {
            var w = ByteWriter(buffer.mutableSpan)
            session = try processed.prepareMessage3(crypto: parties.crypto, staticKey: parties.initiatorKey, into: &w)
        }
        var altered = try #require(Self.trace["message_4"])
        altered[altered.count - 1] ^= 0x80
        #expect(throws: EDHOCError.decryptionFailed) { _ = try session.processMessage4(crypto: parties.crypto, message4: altered.span) }
        let genuine = try #require(Self.trace["message_4"])
        _ = try session.processMessage4(crypto: parties.crypto, message4: genuine.span)
        #expect(throws: EDHOCError.unexpectedMessage) { _ = try session.processMessage4(crypto: parties.crypto, message4: genuine.span) }
        session.close()
    }

    @Test("RFC 9529's invalid message_1 examples are rejected", arguments: [
        ("Surplus array encoding of message", EDHOCError.malformedMessage(.wrongType)),
        ("Surplus bstr encoding of connection identifier", .malformedMessage(.nonMinimal)),
        ("Surplus array encoding of ciphersuite", .malformedMessage(.wrongType)),
        ("Text string encoding of ephemeral key", .malformedMessage(.wrongType)),
        ("Error in length of ephemeral key", .wrongSelectedCipherSuite),
        ("Error in elliptic curve representation", .invalidPublicKey),
        ("Error in elliptic curve point", .invalidPublicKey),
        ("Curve point of low order", .invalidPublicKey),
        ("Error in elliptic curve encoding", .invalidPublicKey),
        ("Unnecessary long encoding", .malformedMessage(.nonMinimal)),
        ("Indefinite-length array encoding", .malformedMessage(.indefiniteLength)),
    ])
    func invalidMessage1(title: String, expected: EDHOCError) throws {
        let entry = try #require(Self.invalid[title])
        let message1 = ProtocolVectors.hex(try #require(entry["hex"]))
        if title == "Curve point of low order" {
            // Suite 0: the Responder needs an X25519 key (the suite-0 vectors' one).
            var crypto = try HostCrypto()
            let suite0 = try ProtocolVectors.hexObject(ProtocolVectors.directory.appendingPathComponent("edhoc-suite0-input.json"))
            let skR = try #require(suite0["SK_R"]), credR = try #require(suite0["CRED_R"])
            let key = try EDHOCStaticKey(crypto: crypto, privateKey: Bytes32(copying: skR.span), credential: EDHOCCredential(ccs: credR.span))
            let responder = try EDHOCResponder(supportedSuites: EDHOCSuites(0), connectionID: EDHOCIdentifier(byte: 0x27))
            let processing = try responder.processMessage1(crypto: crypto, message1: message1.span)
            var buffer = [UInt8](repeating: 0, count: 256)
            var w = ByteWriter(buffer.mutableSpan)
            do {
                let state = try processing.prepareMessage2(crypto: &crypto, staticKey: key, into: &w)
                state.abort()
                Issue.record("\(title): accepted")
            } catch {
                #expect(error == expected, "\(title)")
            }
            return
        }
        var parties = try Parties(responderSuites: EDHOCSuites(2, 0))
        do throws(EDHOCError) {
            var ignored = [UInt8]()
            try parties.message2(for: message1, &ignored).abort()
            Issue.record("\(title): accepted")
        } catch {
            #expect(error == expected, "\(title)")
        }
    }

    @Test("RFC 9529's invalid message_2 and PLAINTEXT_2 examples are rejected", arguments: [
        ("Wrong number of CBOR sequence elements", EDHOCError.malformedMessage(.trailingBytes)),
        ("Surplus map encoding of ID_CRED field", .unsupportedCredential),
        ("Surplus bstr encoding of ID_CRED field", .malformedMessage(.nonMinimal)),
        ("Error in length of MAC", .malformedMessage(.outOfRange)),
    ])
    func invalidMessage2(title: String, expected: EDHOCError) throws {
        let entry = try #require(Self.invalid[title])
        let bytes = ProtocolVectors.hex(try #require(entry["hex"]))
        var message2 = bytes
        if entry["kind"] == "PLAINTEXT_2" {
            // Encrypt the invalid PLAINTEXT_2 as trace 2's Responder would:
            // CIPHERTEXT_2 = PLAINTEXT_2 XOR EDHOC_KDF(PRK_2e, 0, TH_2, length).
            let crypto = try HostCrypto()
            let th2 = try #require(Self.trace["TH_2"]), prk2e = try #require(Self.trace["PRK_2e"])
            let info: [UInt8] = [0x00, 0x58, 0x20] + th2 + [UInt8(bytes.count)]
            var keystream = [UInt8](repeating: 0, count: bytes.count)
            var span = keystream.mutableSpan
            try crypto.hkdfExpand(prk: prk2e.span, info: info.span, into: &span)
            let gY = try #require(Self.trace["G_Y"])
            message2 = [0x58, UInt8(32 + bytes.count)] + gY + zip(bytes, keystream).map { $0 ^ $1 }
        }
        var parties = try Parties()
        let outcome = try Self.initiatorOutcome(&parties, message2: message2)
        #expect(outcome == expected, "\(title)")
    }

    @Test("wrong suites are negotiated away with ERR_CODE 2")
    func wrongSuite() throws {
        let crypto = try HostCrypto()
        let both = try EDHOCResponder(supportedSuites: EDHOCSuites(0, 2), connectionID: EDHOCIdentifier(byte: 0x27))
        // SUITES_I = [2, 0] selects 0 although 2, preferred by the Initiator, is supported.
        var message1 = try #require(Self.trace["message_1"])
        message1.replaceSubrange(1..<4, with: [0x82, 0x02, 0x00])
        #expect(throws: EDHOCError.wrongSelectedCipherSuite) { _ = try both.processMessage1(crypto: crypto, message1: message1.span) }
        #expect(EDHOCError.wrongSelectedCipherSuite.errorCode == 2)
        // A METHOD other than 3.
        var method0 = try #require(Self.trace["message_1"])
        method0[0] = 0x00
        #expect(throws: EDHOCError.unsupportedMethod) { _ = try both.processMessage1(crypto: crypto, message1: method0.span) }
        // An Initiator that cannot pick from SUITES_R gives up.
        #expect(EDHOCSuites.retry(preferences: try EDHOCSuites(6), suitesR: try EDHOCSuites(2)) == nil)
    }

    @Test("an unknown kid is refused with ERR_CODE 3, and a critical EAD item aborts")
    func unknownKidAndCriticalEAD() throws {
        var parties = try Parties()
        var message1 = [UInt8]()
        let waitM2 = try parties.message1(&message1)
        var message2 = [UInt8]()
        let waitM3 = try parties.message2(for: message1, &message2)
        waitM3.abort()
        let processing = try waitM2.processMessage2(crypto: parties.crypto, message2: message2.span)
        do {
            // The Initiator's own credential (kid 0x2b) in place of the Responder's (kid 0x32).
            let processed = try processing.verifyMessage2(crypto: parties.crypto, staticKey: parties.initiatorKey,
                                                          credentialR: parties.credentialI)
            processed.abort()
            Issue.record("the wrong credential was accepted")
        } catch {
            #expect(error == .unknownCredential)
            #expect(error.errorCode == 3)
        }
        // message_1 with a critical EAD item (label -5) nobody understands.
        let critical = message1 + [0x24]
        #expect(throws: EDHOCError.criticalEADNotUnderstood) {
            _ = try parties.responder.processMessage1(crypto: parties.crypto, message1: critical.span)
        }
        // The same item, non-critical (label 5), passes through to the application.
        let withEAD = message1 + [0x05]
        let processingM1 = try parties.responder.processMessage1(crypto: parties.crypto, message1: withEAD.span)
        let eadCount = processingM1.ead1.count, eadFirst = processingM1.ead1[0]
        #expect(eadCount == 1 && eadFirst == 0x05)
    }
}

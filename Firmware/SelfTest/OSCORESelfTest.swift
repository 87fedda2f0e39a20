import RampartCrypto
import RampartPlatform
import RampartProtocol

// OSCORE (RFC 8613) on the board: the Appendix C vectors of OSCOREVectors.swift (generated from
// Tests/Vectors/rfc8613-appendix-c.json by scripts/gen-selftest-vectors.py). Each Security
// Context of C.1-C.3 is derived and its keys, Common IV and Partial-IV-0 nonces compared; each
// request of C.4-C.6 is protected by its client and compared byte for byte, and the vector's
// protected request unprotected by its server back to the original; each response of C.7-C.8 is
// protected by its server and compared, and the vector's protected response unprotected by its
// client. Every role works from the vectors, not from the other role's output, so a fault on
// one side cannot hide behind the same fault on the other. The host checks more intermediate
// values of the same vectors (Tests/ProtocolTests/OSCOREVectorTests.swift); here the device
// build must produce the same bytes. At most one Security Context and three OSCOREMessageBuffers
// live at a time; peak stack on the micro:bit about 3.8 KB, most of it the context derivation's
// HKDF inside OSCORESecurityContext.init (the checks before it, EDHOC's, reach about 6.9 KB).

/// Every Appendix C check. Public so that the host test can count these checks on their own.
public func checkOSCOREAppendixC<Output: Console>(_ report: inout SelfTestReport<Output>) {
    checkOSCOREKeyDerivation(&report)
    checkOSCORERequests(&report)
    checkOSCOREResponses(&report)
}

/// C.1-C.3: each context the Master Secret, Master Salt, Sender ID, Recipient ID and ID Context
/// derive (§3.2.1), and the nonces of Partial IV 0 (§5.2) of its sender and of its recipient.
func checkOSCOREKeyDerivation<Output: Console>(_ report: inout SelfTestReport<Output>) {
    checkOSCOREKeyDerivation(.c1Client, "OSCORE C.1.1", &report)
    checkOSCOREKeyDerivation(.c1Server, "OSCORE C.1.2", &report)
    checkOSCOREKeyDerivation(.c2Client, "OSCORE C.2.1", &report)
    checkOSCOREKeyDerivation(.c2Server, "OSCORE C.2.2", &report)
    checkOSCOREKeyDerivation(.c3Client, "OSCORE C.3.1", &report)
    checkOSCOREKeyDerivation(.c3Server, "OSCORE C.3.2", &report)
}

/// The five facts of one context's derivation, each its own check.
func checkOSCOREKeyDerivation<Output: Console>(_ name: OSCOREContextName, _ section: StaticString,
                                               _ report: inout SelfTestReport<Output>) {
    let outcome = OSCOREAppendixCCheck.derivation(name)
    report.check(outcome.senderKey, section, "Sender Key")
    report.check(outcome.recipientKey, section, "Recipient Key")
    report.check(outcome.commonIV, section, "Common IV")
    report.check(outcome.senderNonce, section, "sender nonce (Partial IV 0)")
    report.check(outcome.recipientNonce, section, "recipient nonce (Partial IV 0)")
}

/// C.4-C.6 (§8.1, §8.2): without and with a Master Salt, and with an ID Context sent as
/// 'kid context'.
func checkOSCORERequests<Output: Console>(_ report: inout SelfTestReport<Output>) {
    report.check(OSCOREAppendixCCheck.clientProtects(OSCOREVectors.c4), "OSCORE C.4 protected request (client)")
    report.check(OSCOREAppendixCCheck.serverUnprotects(OSCOREVectors.c4), "OSCORE C.4 unprotected request (server)")
    report.check(OSCOREAppendixCCheck.clientProtects(OSCOREVectors.c5), "OSCORE C.5 protected request (client)")
    report.check(OSCOREAppendixCCheck.serverUnprotects(OSCOREVectors.c5), "OSCORE C.5 unprotected request (server)")
    report.check(OSCOREAppendixCCheck.clientProtects(OSCOREVectors.c6), "OSCORE C.6 protected request (client)")
    report.check(OSCOREAppendixCCheck.serverUnprotects(OSCOREVectors.c6), "OSCORE C.6 unprotected request (server)")
}

/// C.7-C.8 (§8.3, §8.4): the responses to C.4, with the request's nonce and with a Partial IV
/// of the server's own.
func checkOSCOREResponses<Output: Console>(_ report: inout SelfTestReport<Output>) {
    report.check(OSCOREAppendixCCheck.serverProtects(OSCOREVectors.c7), "OSCORE C.7 protected response (server)")
    report.check(OSCOREAppendixCCheck.clientUnprotects(OSCOREVectors.c7), "OSCORE C.7 unprotected response (client)")
    report.check(OSCOREAppendixCCheck.serverProtects(OSCOREVectors.c8), "OSCORE C.8 protected response (server)")
    report.check(OSCOREAppendixCCheck.clientUnprotects(OSCOREVectors.c8), "OSCORE C.8 unprotected response (client)")
}

/// Each role of each Appendix C vector on its own, with the firmware's crypto provider. Every
/// step wipes its Security Context on the way out, thrown error or not. A step that throws
/// makes its check fail.
enum OSCOREAppendixCCheck {
    /// The device backend, as the EDHOC checks use it; OSCORE draws no random bytes.
    typealias Crypto = SoftwareCrypto<FixedRandom>

    /// Which derived values of one context equal the vector's; all false when the derivation threw.
    struct Derivation {
        var senderKey = false
        var recipientKey = false
        var commonIV = false
        var senderNonce = false
        var recipientNonce = false
    }

    /// Derives the context `name` names and compares its keys, Common IV and the nonces of
    /// Partial IV 0 with the vector's.
    @inline(never)
    static func derivation(_ name: OSCOREContextName) -> Derivation {
        var outcome = Derivation()
        let crypto = Crypto(random: FixedRandom())
        var context: OSCORESecurityContext
        do throws(OSCOREError) { context = try securityContext(name, crypto) } catch { return outcome }
        let v = name.vectors
        context.withKeyMaterial { senderKey, recipientKey, commonIV in
            outcome.senderKey = matchesHex(senderKey.span, v.senderKey)
            outcome.recipientKey = matchesHex(recipientKey.span, v.recipientKey)
            outcome.commonIV = matchesHex(commonIV.span, v.commonIV)
        }
        // "From the previous parameters and a Partial IV equal to 0 (both for sender and recipient)".
        let zero = OSCOREPartialIV.encode(0)
        outcome.senderNonce = matchesHex(context.senderNonce(partialIV: zero.span).span, v.senderNonce)
        outcome.recipientNonce = matchesHex(context.recipientNonce(partialIV: zero.span).span, v.recipientNonce)
        context.wipe()
        return outcome
    }

    /// The client, at the vector's Sender Sequence Number, protects the request: equal to the
    /// vector's OSCORE request byte for byte.
    @inline(never)
    static func clientProtects(_ v: OSCORERequestVectors) -> Bool {
        let crypto = Crypto(random: FixedRandom())
        var output = OSCOREMessageBuffer(repeating: 0)
        do throws(OSCOREError) {
            var client = try securityContext(v.client, crypto)
            defer { client.wipe() }
            client.resume(senderSequenceNumber: v.senderSequenceNumber, usage: OSCOREKeyUsage())
            let sent = try protectRequest(&client, v.unprotected, includeKidContext: v.includeKidContext,
                                          crypto, into: &output)
            return matchesHex(output.span.extracting(0..<sent.length), v.protected)
        } catch {
            return false
        }
    }

    /// The server unprotects the vector's OSCORE request: the original request comes back.
    @inline(never)
    static func serverUnprotects(_ v: OSCORERequestVectors) -> Bool {
        let crypto = Crypto(random: FixedRandom())
        var output = OSCOREMessageBuffer(repeating: 0)
        do throws(OSCOREError) {
            var server = try securityContext(v.server, crypto)
            defer { server.wipe() }
            let received = try unprotectRequest(&server, v.protected, crypto, into: &output)
            return matchesHex(output.span.extracting(0..<received.length), v.unprotected)
        } catch {
            return false
        }
    }

    /// The server, having verified the vector's request, protects the response: equal to the
    /// vector's OSCORE response byte for byte.
    @inline(never)
    static func serverProtects(_ v: OSCOREResponseVectors) -> Bool {
        let crypto = Crypto(random: FixedRandom())
        var output = OSCOREMessageBuffer(repeating: 0)
        do throws(OSCOREError) {
            var server = try securityContext(v.request.server, crypto)
            defer { server.wipe() }
            server.resume(senderSequenceNumber: v.senderSequenceNumber, usage: OSCOREKeyUsage())
            let request = try unprotectRequest(&server, v.request.protected, crypto, into: &output).binding
            let length = try protectResponse(&server, v.unprotected, request: request, withPartialIV: v.withPartialIV,
                                             crypto, into: &output)
            return matchesHex(output.span.extracting(0..<length), v.protected)
        } catch {
            return false
        }
    }

    /// The client, having sent the vector's request, unprotects the vector's OSCORE response:
    /// the original response comes back.
    @inline(never)
    static func clientUnprotects(_ v: OSCOREResponseVectors) -> Bool {
        let crypto = Crypto(random: FixedRandom())
        var output = OSCOREMessageBuffer(repeating: 0)
        do throws(OSCOREError) {
            var client = try securityContext(v.request.client, crypto)
            defer { client.wipe() }
            client.resume(senderSequenceNumber: v.request.senderSequenceNumber, usage: OSCOREKeyUsage())
            let request = try protectRequest(&client, v.request.unprotected,
                                             includeKidContext: v.request.includeKidContext, crypto,
                                             into: &output).binding
            let length = try unprotectResponse(&client, v.protected, request: request, crypto, into: &output)
            return matchesHex(output.span.extracting(0..<length), v.unprotected)
        } catch {
            return false
        }
    }

    // MARK: - Steps, each with its input and scratch buffers

    /// The Security Context of C.1-C.3 `name` names (§3.2.1). The decoded Master Secret is
    /// wiped here; the caller wipes the context.
    @inline(never)
    static func securityContext(_ name: OSCOREContextName,
                                _ crypto: borrowing Crypto) throws(OSCOREError) -> OSCORESecurityContext {
        let v = name.vectors
        // Appendix C: a 16-byte Master Secret, a Master Salt of 8 bytes or none.
        var secret = InlineArray<32, UInt8>(repeating: 0)
        defer { secret.wipe() }
        var salt = InlineArray<32, UInt8>(repeating: 0)
        var senderID = InlineArray<7, UInt8>(repeating: 0)  // OSCORELimits.idLengthMax
        var recipientID = InlineArray<7, UInt8>(repeating: 0)
        var idContext = InlineArray<16, UInt8>(repeating: 0)  // OSCORELimits.idContextLengthMax
        let secretLength = decodeHex(v.masterSecret, into: &secret)
        let saltLength = decodeHex(v.masterSalt, into: &salt)
        let senderIDLength = decodeHex(v.senderID, into: &senderID)
        let recipientIDLength = decodeHex(v.recipientID, into: &recipientID)
        guard let idContextHex = v.idContext else {
            return try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span.extracting(0..<secretLength),
                                             masterSalt: salt.span.extracting(0..<saltLength),
                                             senderID: senderID.span.extracting(0..<senderIDLength),
                                             recipientID: recipientID.span.extracting(0..<recipientIDLength),
                                             idContext: nil)
        }
        let idContextLength = decodeHex(idContextHex, into: &idContext)
        return try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span.extracting(0..<secretLength),
                                         masterSalt: salt.span.extracting(0..<saltLength),
                                         senderID: senderID.span.extracting(0..<senderIDLength),
                                         recipientID: recipientID.span.extracting(0..<recipientIDLength),
                                         idContext: idContext.span.extracting(0..<idContextLength))
    }

    /// Protects the CoAP request `unprotected` into the front of `output` (§8.1).
    @inline(never)
    static func protectRequest(
        _ context: inout OSCORESecurityContext, _ unprotected: StaticString, includeKidContext: Bool,
        _ crypto: borrowing Crypto, into output: inout OSCOREMessageBuffer
    ) throws(OSCOREError) -> (binding: OSCORERequestBinding, length: Int) {
        var message = OSCOREMessageBuffer(repeating: 0)
        var scratch = OSCOREMessageBuffer(repeating: 0)
        let messageLength = decodeHex(unprotected, into: &message)
        var scratchSpan = scratch.mutableSpan
        var writer = ByteWriter(output.mutableSpan)
        let binding = try context.protectRequest(message.span.extracting(0..<messageLength), crypto: crypto,
                                                 includeKidContext: includeKidContext, scratch: &scratchSpan,
                                                 into: &writer)
        return (binding, writer.count)
    }

    /// Verifies and decrypts the OSCORE request `protected` into the front of `output` (§8.2).
    @inline(never)
    static func unprotectRequest(
        _ context: inout OSCORESecurityContext, _ protected: StaticString, _ crypto: borrowing Crypto,
        into output: inout OSCOREMessageBuffer
    ) throws(OSCOREError) -> (binding: OSCORERequestBinding, length: Int) {
        var message = OSCOREMessageBuffer(repeating: 0)
        var scratch = OSCOREMessageBuffer(repeating: 0)
        let messageLength = decodeHex(protected, into: &message)
        let parsed = try OSCOREProtectedMessage(parsing: message.span.extracting(0..<messageLength))
        var scratchSpan = scratch.mutableSpan
        var writer = ByteWriter(output.mutableSpan)
        let binding = try context.unprotectRequest(parsed, crypto: crypto, scratch: &scratchSpan, into: &writer)
        return (binding, writer.count)
    }

    /// Protects the CoAP response `unprotected` to `request` into the front of `output` (§8.3);
    /// returns its length.
    @inline(never)
    static func protectResponse(
        _ context: inout OSCORESecurityContext, _ unprotected: StaticString, request: OSCORERequestBinding,
        withPartialIV: Bool, _ crypto: borrowing Crypto, into output: inout OSCOREMessageBuffer
    ) throws(OSCOREError) -> Int {
        var message = OSCOREMessageBuffer(repeating: 0)
        var scratch = OSCOREMessageBuffer(repeating: 0)
        let messageLength = decodeHex(unprotected, into: &message)
        var scratchSpan = scratch.mutableSpan
        var writer = ByteWriter(output.mutableSpan)
        try context.protectResponse(message.span.extracting(0..<messageLength), request: request, crypto: crypto,
                                    withPartialIV: withPartialIV, scratch: &scratchSpan, into: &writer)
        return writer.count
    }

    /// Verifies and decrypts the OSCORE response `protected` to `request` into the front of
    /// `output` (§8.4); returns its length.
    @inline(never)
    static func unprotectResponse(
        _ context: inout OSCORESecurityContext, _ protected: StaticString, request: OSCORERequestBinding,
        _ crypto: borrowing Crypto, into output: inout OSCOREMessageBuffer
    ) throws(OSCOREError) -> Int {
        var message = OSCOREMessageBuffer(repeating: 0)
        var scratch = OSCOREMessageBuffer(repeating: 0)
        let messageLength = decodeHex(protected, into: &message)
        let parsed = try OSCOREProtectedMessage(parsing: message.span.extracting(0..<messageLength))
        var scratchSpan = scratch.mutableSpan
        var writer = ByteWriter(output.mutableSpan)
        try context.unprotectResponse(parsed, request: request, crypto: crypto, scratch: &scratchSpan, into: &writer)
        return writer.count
    }
}

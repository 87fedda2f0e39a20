// The EDHOC Initiator's side of a whole method-3 handshake (`make bench-handshake`), once per
// cipher suite, with X injected so the run repeats exactly. Measured, step by step:
//   message1 — prepare message_1, including G_X computed from X;
//   message2 — process message_2 and verify it (MAC_2 with CRED_R);
//   message3 — prepare message_3 (and derive PRK_out).
// The Responder's work is not counted: its message_2 is a precomputed constant (with the same
// X, RFC 9529 trace 2's message_2 is valid for suite 2, and edhoc-suite0-expected.json's for
// suite 0). The Initiator's static key and CRED_R are set up before the timer starts, as on a
// provisioned device. Each step's stack is measured above this file's frame, which holds the
// state values between steps; their sizes are printed as `initiator_state_max_bytes`.
#if RAMPART_FIRMWARE
import BoardRuntime
import RampartCrypto
import RampartProtocol
import RampartSelfTest

/// Never drawn from: the handshakes inject X. A fixed source keeps the run repeatable.
/// The names one suite's figures are printed under.
struct HandshakeBenchNames {
    let message1: StaticString
    let message2: StaticString
    let message3: StaticString
    let message1Bytes: StaticString
    /// message_1 offering only the selected suite (SUITES_I as an int), as a device that
    /// knows its gateway's suite sends it; trace 2's message_1 offers [6, 2].
    let message1OneSuiteBytes: StaticString
    let message2Bytes: StaticString
    let message3Bytes: StaticString
    let verified: StaticString
}

/// A message buffer: the longest message here is message_2 (46 bytes, suite 0).
typealias MessageBuffer = InlineArray<64, UInt8>

func benchHandshakes(_ bench: inout Bench) {
    benchInitiator(&bench, HandshakeVectors.suite0, HandshakeBenchNames(
        message1: "initiator_suite0_message1", message2: "initiator_suite0_message2",
        message3: "initiator_suite0_message3", message1Bytes: "suite0_message1_bytes",
        message1OneSuiteBytes: "suite0_message1_one_suite_bytes",
        message2Bytes: "suite0_message2_bytes", message3Bytes: "suite0_message3_bytes",
        verified: "suite0_messages_match"))
    benchInitiator(&bench, HandshakeVectors.suite2, HandshakeBenchNames(
        message1: "initiator_suite2_message1", message2: "initiator_suite2_message2",
        message3: "initiator_suite2_message3", message1Bytes: "suite2_message1_bytes",
        message1OneSuiteBytes: "suite2_message1_one_suite_bytes",
        message2Bytes: "suite2_message2_bytes", message3Bytes: "suite2_message3_bytes",
        verified: "suite2_messages_match"))
    bench.value("initiator_state_max_bytes", initiatorStateMaxBytes)
}

/// The largest value the Initiator keeps between two steps of its handshake.
/// (Pairwise `max`: the variadic one builds an array, a heap object.)
var initiatorStateMaxBytes: Int {
    max(max(MemoryLayout<EDHOCInitiator>.size, MemoryLayout<EDHOCInitiatorWaitM2>.size),
        max(max(MemoryLayout<EDHOCInitiatorProcessingM2>.size, MemoryLayout<EDHOCInitiatorProcessedM2>.size),
            MemoryLayout<EDHOCSession>.size))
}

@inline(never)
func benchInitiator(_ bench: inout Bench, _ v: EDHOCHandshakeVectors, _ names: HandshakeBenchNames) {
    typealias Crypto = SoftwareCrypto<FixedRandom>
    var crypto = Crypto(random: FixedRandom())
    // Set-up, not measured: a provisioned device holds these before any handshake.
    let setup: HandshakeSetup
    let staticKey: EDHOCStaticKey
    do throws(EDHOCError) {
        setup = try HandshakeSetup(v)
        staticKey = try HandshakeSetup.staticKey(crypto, v)
    } catch {
        bench.value(names.verified, 0)
        return
    }
    var message1 = MessageBuffer(repeating: 0)
    var message2 = MessageBuffer(repeating: 0)
    var message3 = MessageBuffer(repeating: 0)
    let message2Length = decodeHex(v.message2, into: &message2)
    var lengths = (0, 0)
    var verified = false

    let baseline = Bench.stackDepth()
    do throws(EDHOCError) {
        let initiator = try EDHOCInitiator(suites: setup.suites, connectionID: setup.connectionID)

        bench.begin()
        let waitM2: EDHOCInitiatorWaitM2
        do {
            var writer = ByteWriter(message1.mutableSpan)
            waitM2 = try initiator.prepareMessage1(crypto: &crypto, ephemeralKey: setup.x, into: &writer)
            lengths.0 = writer.count
        }
        bench.end(names.message1, reps: 1, baseline: baseline)

        bench.begin()
        let processingM2 = try waitM2.processMessage2(crypto: crypto,
                                                      message2: message2.span.extracting(0..<message2Length))
        let processedM2 = try processingM2.verifyMessage2(crypto: crypto, staticKey: staticKey,
                                                          credentialR: setup.credentialR)
        bench.end(names.message2, reps: 1, baseline: baseline)

        bench.begin()
        let session: EDHOCSession
        do {
            var writer = ByteWriter(message3.mutableSpan)
            session = try processedM2.prepareMessage3(crypto: crypto, staticKey: staticKey, into: &writer)
            lengths.1 = writer.count
        }
        bench.end(names.message3, reps: 1, baseline: baseline)
        session.close()
        verified = matchesHex(message1.span.extracting(0..<lengths.0), v.message1)
            && matchesHex(message3.span.extracting(0..<lengths.1), v.message3)
    } catch {
        verified = false
    }
    staticKey.destroy()
    bench.value(names.message1Bytes, lengths.0)
    bench.value(names.message1OneSuiteBytes, oneSuiteMessage1Length(setup))
    bench.value(names.message2Bytes, message2Length)
    bench.value(names.message3Bytes, lengths.1)
    bench.value(names.verified, verified ? 1 : 0)
}

/// The length of message_1 when SUITES_I is the selected suite alone (not timed).
@inline(never)
func oneSuiteMessage1Length(_ setup: HandshakeSetup) -> Int {
    var crypto = SoftwareCrypto(random: FixedRandom())
    var suites = EDHOCSuites()
    var buffer = MessageBuffer(repeating: 0)
    do throws(EDHOCError) {
        try suites.append(setup.suites.selected ?? 0)
        let initiator = try EDHOCInitiator(suites: suites, connectionID: setup.connectionID)
        var writer = ByteWriter(buffer.mutableSpan)
        let waitM2 = try initiator.prepareMessage1(crypto: &crypto, ephemeralKey: setup.x, into: &writer)
        waitM2.abort()
        return writer.count
    } catch {
        return 0
    }
}

/// What the Initiator has before its handshake starts, besides its static key.
struct HandshakeSetup {
    let suites: EDHOCSuites
    let connectionID: EDHOCIdentifier
    let x: Bytes32
    let credentialR: EDHOCCredential

    init(_ v: EDHOCHandshakeVectors) throws(EDHOCError) {
        var buffer = InlineArray<128, UInt8>(repeating: 0)
        var length = decodeHex(v.suitesI, into: &buffer)
        suites = try EDHOCSuites(encoded: buffer.span.extracting(0..<length))
        length = decodeHex(v.cI, into: &buffer)
        connectionID = try EDHOCIdentifier(buffer.span.extracting(0..<length))
        var key = Bytes32.zero
        _ = decodeHex(v.x, into: &key)
        x = key
        length = decodeHex(v.credR, into: &buffer)
        credentialR = try EDHOCCredential(ccs: buffer.span.extracting(0..<length))
    }

    /// The Initiator's static key I with CRED_I.
    static func staticKey<Crypto: CryptoProvider>(_ crypto: borrowing Crypto,
                                                  _ v: EDHOCHandshakeVectors) throws(EDHOCError) -> EDHOCStaticKey {
        var buffer = InlineArray<128, UInt8>(repeating: 0)
        let length = decodeHex(v.credI, into: &buffer)
        let credentialI = try EDHOCCredential(ccs: buffer.span.extracting(0..<length))
        var key = Bytes32.zero
        _ = decodeHex(v.skI, into: &key)
        defer { key.wipe() }
        return try EDHOCStaticKey(crypto: crypto, privateKey: key, credential: credentialI)
    }
}

#endif

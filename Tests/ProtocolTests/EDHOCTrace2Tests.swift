import Foundation
import Testing
import RampartCrypto
import RampartEDHOCTools
import RampartHostCrypto
import RampartProtocol

/// RFC 9529 trace 2 (method 3, suite 2, CCS identified by kid) byte for byte: both roles
/// run with the trace's keys and ephemerals injected, and every value the handshake computes
/// is compared with the trace's value of the same name.
@Suite("EDHOC RFC 9529 trace 2")
struct EDHOCTrace2Tests {
    static let expected = try! ProtocolVectors.hexObject(ProtocolVectors.directory.appendingPathComponent("rfc9529-trace2.json"))

    /// The values that must be reproduced: every message and every key-schedule step.
    static let required = [
        "message_1", "H(message_1)", "G_X", "G_Y", "TH_2", "G_XY", "PRK_2e", "SALT_3e2m", "G_RX", "PRK_3e2m",
        "context_2", "MAC_2", "PLAINTEXT_2", "KEYSTREAM_2", "CIPHERTEXT_2", "message_2", "TH_3", "G_IY",
        "SALT_4e3m", "PRK_4e3m", "context_3", "MAC_3", "PLAINTEXT_3", "A_3", "K_3", "IV_3", "CIPHERTEXT_3",
        "message_3", "TH_4", "PRK_out", "A_4", "K_4", "IV_4", "CIPHERTEXT_4", "message_4", "PRK_exporter",
        "OSCORE Master Secret", "OSCORE Master Salt", "Client's OSCORE Sender ID", "Server's OSCORE Sender ID",
        "PRK_out after KeyUpdate", "PRK_exporter after KeyUpdate", "OSCORE Master Secret after KeyUpdate",
        "OSCORE Master Salt after KeyUpdate", "G_I", "G_R",
    ]

    static let inputURL = ProtocolVectors.interop.appendingPathComponent("trace2-input.json")

    func runTrace() throws -> EDHOCTraceRecorder {
        let input = try EDHOCTraceInput(json: Data(contentsOf: Self.inputURL))
        return try EDHOCTraceRunner.run(input)
    }

    @Test("every intermediate value equals the trace", arguments: required)
    func value(name: String) throws {
        let trace = try runTrace()
        let expected = try #require(Self.expected[name], "the vector file has no \(name)")
        let actual = try #require(trace[name], "the handshake did not record \(name)")
        #expect(Hex.encode(actual) == Hex.encode(expected), "\(name)")
    }

    @Test("nothing recorded disagrees with the trace")
    func noExtraDisagreement() throws {
        let trace = try runTrace()
        for (name, value) in trace.entries {
            if let expected = Self.expected[name] { #expect(value == expected, "\(name)") }
        }
        #expect(trace.disagreements.isEmpty)
    }

    @Test("the first message_1 (suite 6 selected) is rejected with ERR_CODE 2 and SUITES_R = 2")
    func negotiation() throws {
        let crypto = try HostCrypto()
        let responder = try EDHOCResponder(supportedSuites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x27))
        let first = try #require(Self.expected["message_1 (first time)"])
        #expect(throws: EDHOCError.wrongSelectedCipherSuite) {
            _ = try responder.processMessage1(crypto: crypto, message1: first.span)
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        var written = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try EDHOCErrorMessage.writeWrongSelectedCipherSuite(responder.supportedSuites, into: &writer)
            written = writer.count
        }
        #expect(Array(buffer[0..<written]) == Self.expected["error"])

        // The Initiator reads SUITES_R and retries with [6, 2], as the trace's second message_1.
        let errorBytes = try #require(Self.expected["error"])
        let parsed = EDHOCErrorMessage(parsing: errorBytes.span)
        let error = try #require(parsed)
        #expect(error.code == 2)
        let suitesR = try #require(error.suitesR)
        let retry = try #require(EDHOCSuites.retry(preferences: EDHOCSuites(6, 2), suitesR: suitesR))
        #expect(retry == (try EDHOCSuites(6, 2)))
        let suitesI = try #require(Self.expected["SUITES_I"])
        let encoded = try EDHOCSuites(encoded: suitesI.span)
        #expect(retry == encoded)
    }

    @Test("the second message_1 is accepted and a retransmission of it is recognised")
    func retransmission() throws {
        var crypto = try HostCrypto()
        let responder = try EDHOCResponder(supportedSuites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x27))
        let message1 = try #require(Self.expected["message_1"])
        let processing = try responder.processMessage1(crypto: crypto, message1: message1.span)
        #expect(processing.selectedSuite == 2)
        #expect(processing.peerConnectionID == EDHOCIdentifier(byte: 0x37))
        let skR = try #require(Self.expected["SK_R"]), credR = try #require(Self.expected["CRED_R"])
        let key = try EDHOCStaticKey(crypto: crypto, privateKey: Bytes32(copying: skR.span),
                                     credential: EDHOCCredential(ccs: credR.span))
        var buffer = [UInt8](repeating: 0, count: 256)
        var writer = ByteWriter(buffer.mutableSpan)
        let waitM3 = try processing.prepareMessage2(crypto: &crypto, staticKey: key, into: &writer)
        let first = try #require(Self.expected["message_1 (first time)"])
        let same = waitM3.isRetransmission(ofMessage1: message1.span, crypto: crypto)
        let other = waitM3.isRetransmission(ofMessage1: first.span, crypto: crypto)
        #expect(same)
        #expect(!other)
        waitM3.abort()
        key.destroy()
    }
}

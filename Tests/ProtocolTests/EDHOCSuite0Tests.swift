import Foundation
import Testing
import RampartEDHOCTools

/// Cipher suite 0 (X25519) has no published trace: Rampart's handshake is compared with
/// an independent computation (Tests/Interop/edhoc_reference.py, pyca/cryptography and
/// cbor2, written from RFC 9528), stored in Tests/Vectors/edhoc-suite0-expected.json.
@Suite("EDHOC suite 0 against an independent reference")
struct EDHOCSuite0Tests {
    static let inputURL = ProtocolVectors.directory.appendingPathComponent("edhoc-suite0-input.json")
    static let expectedURL = ProtocolVectors.directory.appendingPathComponent("edhoc-suite0-expected.json")

    @Test("every value Rampart computes equals the reference's")
    func matchesReference() throws {
        let expected = try ProtocolVectors.hexObject(Self.expectedURL)
        let trace = try EDHOCTraceRunner.run(EDHOCTraceInput(json: Data(contentsOf: Self.inputURL)))
        var compared = 0
        for (name, value) in trace.entries {
            guard let reference = expected[name] else { continue }
            #expect(Hex.encode(value) == Hex.encode(reference), "\(name)")
            compared += 1
        }
        #expect(trace.disagreements.isEmpty)
        // Every message, the key schedule, the exporter and KeyUpdate were compared.
        for name in EDHOCTrace2Tests.required where name != "G_I" {
            #expect(trace[name] != nil && expected[name] != nil, "\(name) was not compared")
        }
        #expect(compared >= EDHOCTrace2Tests.required.count - 1)
    }

    @Test("the stored reference values are what the reference computes, and it reproduces trace 2")
    func referenceIsLive() throws {
        let suite0 = try PythonPeer.run("edhoc_reference.py", [Self.inputURL.path, "--check", Self.expectedURL.path])
        #expect(suite0.status == 0, "\(suite0.output)")
        let trace2 = try PythonPeer.run("edhoc_reference.py", [
            ProtocolVectors.interop.appendingPathComponent("trace2-input.json").path,
            "--check", ProtocolVectors.directory.appendingPathComponent("rfc9529-trace2.json").path,
        ])
        #expect(trace2.status == 0, "\(trace2.output)")
    }
}

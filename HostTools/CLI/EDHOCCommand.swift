import ArgumentParser
import Foundation
import RampartEDHOCTools

/// `rampart edhoc …`: tools for integrators working with EDHOC (RFC 9528).
struct EDHOCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edhoc",
        abstract: "EDHOC (RFC 9528) tools for integrators.",
        subcommands: [Trace.self])

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a whole EDHOC handshake with given keys and print every intermediate value.",
            discussion: """
                Runs both roles of an EDHOC method-3 handshake (static DH; cipher suite 2 with \
                P-256 or suite 0 with X25519) in one process, with the keys, ephemeral keys, \
                connection identifiers and credentials of FILE injected, and prints each value \
                the handshake computes under the name RFC 9529 gives it: message_1, TH_2, \
                PRK_2e, KEYSTREAM_2, …, message_4, PRK_out, PRK_exporter, OSCORE Master Secret, \
                OSCORE Master Salt (and the KeyUpdate values when a context is given). Compare \
                it line by line with your own implementation's trace to find where they part.

                FILE is a JSON object of hex strings named as in RFC 9529: method (the number \
                3), SUITES_I (the CBOR item, e.g. "02" or "820602"), SK_I, SK_R, X, Y (raw \
                private keys), C_I, C_R (raw identifiers), CRED_I, CRED_R (CCS), ID_CRED_I, \
                ID_CRED_R ({4: kid} maps); optional EAD_1…EAD_4, "KeyUpdate context", and \
                SUITES_R. Tests/Interop/trace2-input.json is RFC 9529 trace 2 in this format:

                  rampart edhoc trace --input Tests/Interop/trace2-input.json

                The output contains secrets (private keys, PRK_out): use test keys only.
                Exit status: 0 on success, 1 if a handshake step fails, 2 for unusable input.
                """)

        @Option(name: .long, help: ArgumentHelp("The handshake's inputs (JSON).", valueName: "FILE"))
        var input: String

        @Flag(help: "Print one JSON object with the names as keys and hex strings as values.")
        var json = false

        func run() throws {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: input))
            } catch {
                FileHandle.standardError.write(Data("rampart edhoc trace: cannot read \(input): \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
            let trace: EDHOCTraceRecorder
            do {
                trace = try EDHOCTraceRunner.run(try EDHOCTraceInput(json: data))
            } catch {
                FileHandle.standardError.write(Data("rampart edhoc trace: \(error)\n".utf8))
                if case .invalidInput = error { throw ExitCode(2) }
                throw ExitCode(1)
            }
            print(json ? Self.jsonText(trace) : Self.text(trace))
        }

        /// `NAME (N bytes)` then the value in groups, as RFC 9529 prints it.
        static func text(_ trace: EDHOCTraceRecorder) -> String {
            trace.entries.map { entry in
                let hex = Hex.encode(entry.value)
                var groups: [String] = []
                var index = hex.startIndex
                while index < hex.endIndex {
                    let next = hex.index(index, offsetBy: 2)
                    groups.append(String(hex[index..<next]))
                    index = next
                }
                let lines = stride(from: 0, to: groups.count, by: 23).map {
                    groups[$0..<min($0 + 23, groups.count)].joined(separator: " ")
                }
                return "\(entry.name) (\(entry.value.count) bytes)\n" + (lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n")
            }.joined(separator: "\n")
        }

        /// One JSON object, keys in the order the handshake computed them.
        static func jsonText(_ trace: EDHOCTraceRecorder) -> String {
            let fields = trace.entries.map { entry -> String in
                let name = String(data: try! JSONSerialization.data(withJSONObject: entry.name, options: .fragmentsAllowed),
                                  encoding: .utf8)!
                return "  \(name): \"\(Hex.encode(entry.value))\""
            }
            return "{\n" + fields.joined(separator: ",\n") + "\n}"
        }
    }
}

import ArgumentParser
import Foundation
import RampartLedger

/// `rampart bench ledger`: the ledger's figures for issue 6's targets.
struct LedgerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Durable append rate, full verification time and inclusion-proof latency of the ledger.",
        discussion: """
            Writes a fresh ledger of N session summaries in a scratch directory (the disk \
            under it is what is measured: a sync per block), then:
              append_entries_per_s   entries appended durably per second through the batching \
            writer (target >= 20,000; one gateway)
              verify_1m_entries_s    `rampart ledger verify` work (every hash and Ed25519 \
            signature) for 10^6 entries; measured at --entries 1000000, otherwise scaled from \
            the run and marked by verify_1m_entries_extrapolated = 1 (target <= 10)
              inclusion_proof_ms     mean over random RFC 9162 inclusion proofs read from \
            SQLite at the final size (target <= 1 at 10^6 entries), with its p99
            Repeat: rampart bench ledger --json   (10^6 entries: several minutes; --entries for less)
            """)

    @Option(help: ArgumentHelp("Entries to write.", valueName: "N"))
    var entries: Int = LedgerBenchmark.verifyReferenceEntries

    @Option(help: ArgumentHelp("Scratch directory (default: a new one under the system's temporary directory, removed afterwards).",
                               valueName: "DIR"))
    var directory: String?

    @Flag(help: "Print one flat JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard entries > 0 else { throw ValidationError("--entries must be positive") }
    }

    func run() async throws {
        let scratch = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("rampart-bench-ledger-\(UUID().uuidString)").path
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        FileHandle.standardError.write(Data("bench ledger: \(entries) entries in \(scratch)\n".utf8))
        let results = try await LedgerBenchmark().run(entries: entries, directory: scratch)
        var object = results.jsonObject
        object["cores"] = ProcessInfo.processInfo.activeProcessorCount
        object["command"] = "rampart bench ledger --entries \(entries) --json"
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for key in object.keys.sorted() {
                print("\(key.padding(toLength: 36, withPad: " ", startingAt: 0)) \(object[key]!)")
            }
        }
    }
}

import Foundation
import RampartLedger
import Testing

/// The benchmark runs end to end at a small size and reports every figure.
@Suite("Ledger: benchmark smoke test")
struct LedgerBenchmarkTests {
    @Test("a small run produces every key with a positive number")
    func smoke() async throws {
        let directory = LedgerTemporaryDirectory()
        let results = try await LedgerBenchmark(blockEntries: 64, maxBlockDelay: .milliseconds(2), appenders: 32, proofCount: 50)
            .run(entries: 500, directory: directory.path)
        let keys = ["append_entries_per_s", "verify_1m_entries_s", "verify_1m_entries_extrapolated", "verify_entries",
                    "verify_s", "inclusion_proof_ms", "inclusion_proof_ms_mean", "inclusion_proof_ms_p99", "entries", "blocks", "block_entries",
                    "cpu_cores"]
        for key in keys {
            let value = try #require(results.numbers[key], "missing \(key)")
            #expect(value > 0, "\(key) = \(value)")
        }
        #expect(results.numbers["entries"] == 501)
        #expect(results.numbers["verify_1m_entries_extrapolated"] == 1)
        #expect(results.notes["verify_1m_entries_note"]?.contains("from 501 entries") == true)
    }
}

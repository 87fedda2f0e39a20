import RampartGatewayBench
import Testing

/// `rampart bench gateway --quick` end to end: every figure is produced and plausible, so the
/// benchmark cannot rot unnoticed. (The targets are the benchmark's business, not a test's.)
@Suite("Gateway benchmark smoke run")
struct BenchmarkSmokeTests {
    @Test("the quick run produces every figure, each plausible")
    func quickRun() throws {
        var options = GatewayBenchmark.Options.quick
        options.python = nil
        let report = try GatewayBenchmark.run(options) { _ in }
        let figures = Dictionary(report.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        for key in ["x25519_ops_per_s", "p256_ops_per_s", "handshakes_per_s_suite0", "handshakes_per_s_suite2",
                    "oscore_requests_per_s", "oscore_p99_ms", "bytes_per_session", "flood_legit_success_ratio"] {
            let value = try #require(figures[key] ?? nil, "\(key) missing")
            #expect(value > 0, "\(key) = \(value)")
        }
        // A Responder cannot beat the DH work it must do, and sessions are not free.
        #expect(try #require(figures["suite0_ratio_to_x25519_ops_over_4"] ?? nil) < 2)
        #expect(try #require(figures["bytes_per_session"] ?? nil) > 64)
        let json = GatewayBenchmark.json(report)
        #expect(json.hasPrefix("{") && json.contains(#""handshakes_per_s_suite0": "#))
    }
}

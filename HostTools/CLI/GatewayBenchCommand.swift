import ArgumentParser
import Foundation
import RampartGatewayBench

/// `rampart bench gateway`: the gateway engine's figures for issue 4's targets.
struct GatewayBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Handshakes, OSCORE throughput, memory per session and flood resilience of the gateway engine.",
        discussion: """
            Everything runs in this process against the protocol engine (no UDP transport), \
            and each figure sits next to the reference it is compared with, measured in the \
            same run:
              x25519_ops_per_s, p256_ops_per_s     one core, thread CPU time
              handshakes_per_s_suite0|2           Responder CPU time per full handshake (the \
            device side runs on the same thread but is not counted)
              suite0_ratio_to_x25519_ops_over_4    target >= 0.75 (the Responder does four DH operations)
              lakers_ratio                        suite 2 over lakers-python's Responder CPU time \
            (target >= 3; needs .venv from scripts/setup.sh); lakers_full_handshake_ratio compares with \
            lakers' full handshake (both roles), the issue's 1.25 ms anchor
              oscore_requests_per_s, oscore_p99_ms 10,000 connected devices, 2 threads, requests \
            protected in advance
              bytes_per_session                   RSS growth per session over 1,000,000 sessions
              flood_legit_success_ratio           devices connecting during a blind message_1 flood \
            at 10x the suite-0 capacity from many addresses (target >= 0.9)
            Repeat: rampart bench gateway --json  (about a minute; --quick for a smoke run)
            """)

    @Flag(help: "Small counts: a smoke run in a few seconds (the figures are then not the targets' conditions).")
    var quick = false

    @Flag(help: "Print one flat JSON object instead of a table.")
    var json = false

    func run() throws {
        let options: GatewayBenchmark.Options = quick ? .quick : GatewayBenchmark.Options()
        let report = try GatewayBenchmark.run(options) { step in
            FileHandle.standardError.write(Data("bench gateway: \(step)\n".utf8))
        }
        var host = utsname()
        uname(&host)
        let machine = withUnsafeBytes(of: &host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let extra = [("host", machine), ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
                     ("mode", quick ? "quick" : "full"), ("transport", "in-process")]
        if json {
            print(GatewayBenchmark.json(report, extra: extra))
        } else {
            for (key, value) in extra { print("\(key.padding(toLength: 40, withPad: " ", startingAt: 0)) \(value)") }
            for (key, value) in report {
                print("\(key.padding(toLength: 40, withPad: " ", startingAt: 0)) \(value.map { String(format: "%.3f", $0) } ?? "n/a")")
            }
        }
    }
}

import Foundation
import QEMURig
import RampartGateway
import Testing

/// Issue 5's end-to-end run: the device firmware on two QEMU boards (Cortex-M4 `mps2-an386`
/// and Cortex-M0 `microbit`), provisioned through their ptys with `rampart provision --port`,
/// then served by the real gateway on the same ptys: handshakes, telemetry that decrypts to
/// plausible values, a forced re-key, a quarantine and its release, a gateway restart.
///
/// Needs `make firmware` for both boards (`make selftest-images` does it) and the `rampart`
/// executable (the test build makes it).
@Suite("Boards end to end in QEMU", .serialized)
struct BoardEndToEndTests {
    /// Suite 2 (P-256) on the Cortex-M4, suite 0 (X25519) on the Cortex-M0.
    static let boards: [(board: QEMUBoard, suite: Int32)] = [(.mps2AN386, 2), (.microbit, 0)]

    @Test("provision, handshake, telemetry, forced re-key, quarantine and release, gateway restart")
    func boardsAgainstTheGateway() async throws {
        let dataDirectory = try BoardRig.temporaryDirectory("gateway")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        var boards: [BoardRig] = []
        defer { for board in boards { board.stop() } }
        for (board, suite) in Self.boards {
            boards.append(try await BoardRig.boot(board, suite: suite))
        }

        // Provisioning: keys born on the boards, registered by the host tool.
        for board in boards {
            _ = try await board.logLine("state unprovisioned")
            board.kid = try BoardRig.provision(board, dataDirectory: dataDirectory)
            _ = try await board.logLine("state handshaking")
        }

        var gateway = try await BoardGateway.start(dataDirectory: dataDirectory, ports: boards.map(\.ptyPath))
        do {
            // Handshakes and telemetry that decrypts to plausible values.
            var sessions: [String] = []
            for board in boards {
                _ = try await board.logLine("handshake succeeded", occurrence: 1)
                let state = try await gateway.waitForState(board.kid, "a decrypted reading") {
                    ($0.session?.lastReading?.readingNumber ?? 0) >= 2
                }
                let reading = try #require(state.session?.lastReading)
                #expect((10.0...40.0).contains(reading.value), "\(board.board): plausible value, got \(reading.value)")
                #expect(reading.failurePerMille <= 1000)
                sessions.append(try #require(state.session?.id))
            }

            // A forced re-key: a new session (new C_R, new OSCORE keys) within 2 s.
            for (index, board) in boards.enumerated() {
                let started = ContinuousClock.now
                _ = try gateway.engine.perform(.forceRekey, kid: board.kid, reason: "board e2e: forced re-key")
                let renewed = try await gateway.waitForState(board.kid, "a new session", within: .seconds(10)) {
                    $0.session != nil && $0.session?.id != sessions[index]
                }
                let elapsed = ContinuousClock.now - started
                #expect(elapsed < .seconds(2), "\(board.board): re-keyed in \(elapsed)")
                sessions[index] = try #require(renewed.session?.id)
                _ = try await board.logLine("handshake succeeded", occurrence: 2)
            }

            // Quarantine: the board backs off; release: it reconnects.
            for board in boards {
                _ = try gateway.engine.perform(.quarantine, kid: board.kid, reason: "board e2e: quarantine")
                _ = try await board.logLine("state quarantined")
                let held = try gateway.state(board.kid)
                #expect(held.session == nil, "\(board.board): no session while quarantined")
                _ = try gateway.engine.perform(.release, kid: board.kid, reason: "board e2e: release")
                _ = try await board.logLine("handshake succeeded", occurrence: 3, timeout: .seconds(30))
                _ = try await gateway.waitForState(board.kid, "a session after release") { $0.session != nil }
            }

            // A gateway restart: sessions are gone, the boards run EDHOC again.
            try await gateway.restart()
            for board in boards {
                _ = try await board.logLine("handshake succeeded", occurrence: 4, timeout: .seconds(30))
                _ = try await gateway.waitForState(board.kid, "a session after the restart") {
                    ($0.session?.lastReading?.readingNumber ?? 0) > 0
                }
            }
            await gateway.shutdown()
        } catch {
            await gateway.shutdown()
            for board in boards { print("── \(board.board) log ──\n\(board.session.diagnostics)") }
            throw error
        }
    }
}

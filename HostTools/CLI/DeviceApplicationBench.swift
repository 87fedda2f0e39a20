import Foundation
import Logging
import QEMURig
import RampartDevice
import RampartGateway
import RampartGatewayServer
import RampartHostCrypto
import RampartProvisioning
import RampartRegistry

/// The device application (`rampart.elf`) measured on a board in QEMU, for `rampart bench
/// firmware`: the board is provisioned through its pty (suite 0), rebooted under `-icount
/// shift=7,align=off,sleep=on` and served by the gateway on the same pty until its first
/// telemetry reading is acknowledged. The firmware then logs the timer ticks it spent awake
/// since reset (sleep excluded: with sleep=on a sleeping core's virtual time follows the wall
/// clock, so only awake ticks count instructions), its painted peak stack and its static RAM.
struct DeviceApplicationFigures {
    /// Instructions from reset to the first acknowledged telemetry reading (awake ticks ×
    /// ns per tick / 128 ns per instruction).
    var bootToTelemetryInstructions: UInt64
    /// The painted peak over both runs: provisioning (key generation, the record written) and
    /// boot → EDHOC → telemetry.
    var stackPeakBytes: UInt64
    var staticRAMBytes: UInt64

    static let suite: Int32 = 0
    /// Nanoseconds of virtual time per instruction under `-icount shift=7`.
    static let nanosecondsPerInstruction: UInt64 = 128

    static func measure(board: QEMUBoard, firmware: URL, timeout: Duration) async throws -> DeviceApplicationFigures {
        let directory = FileManager.default.temporaryDirectory.appending(component: "rampart-bench-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataDirectory = directory.appending(component: "gateway").path

        // 1. Provisioning then the first telemetry, without instruction counting: the peak
        //    stack painted since reset covers key generation, the record write and EDHOC.
        let first = try await runUntilMeasured(
            QEMULaunchOptions(board: board, firmware: firmware, uart: .pty(capture: false), stateDirectory: directory,
                              timeLimit: timeout),
            dataDirectory: dataDirectory, provisioning: true, timeout: timeout)
        // 2. A reboot, counting instructions: reset → EDHOC → first telemetry.
        var options = QEMULaunchOptions(board: board, firmware: firmware, uart: .pty(capture: false),
                                        stateDirectory: directory, timeLimit: timeout, countsInstructions: true)
        options.idleRunsInRealTime = true
        let second = try await runUntilMeasured(options, dataDirectory: dataDirectory, provisioning: false, timeout: timeout)

        guard let ticks = value("awake_ticks", in: second), let ratio = text("ns_per_tick", in: second),
              let stack = value("stack_peak_bytes", in: second), let staticRAM = value("static_ram_bytes", in: second),
              let provisioningStack = value("stack_peak_bytes", in: first)
        else {
            throw CommandFailure("cannot read the board's measurement lines: \(first) / \(second)")
        }
        let parts = ratio.split(separator: "/").compactMap { UInt64($0) }
        guard parts.count == 2, parts[1] > 0 else { throw CommandFailure("bad ns_per_tick in \(second)") }
        return DeviceApplicationFigures(
            bootToTelemetryInstructions: ticks * parts[0] / parts[1] / nanosecondsPerInstruction,
            stackPeakBytes: max(stack, provisioningStack), staticRAMBytes: staticRAM)
    }

    /// Boots the board, provisions it if asked, serves it with a gateway on its pty and returns
    /// the firmware's `measured boot-to-telemetry` log line.
    private static func runUntilMeasured(_ options: QEMULaunchOptions, dataDirectory: String, provisioning: Bool,
                                         timeout: Duration) async throws -> String {
        try await QEMURig.withSession(options) { session in
            let port = session.ptyPath ?? ""
            if provisioning {
                _ = try await session.waitForDiagnosticLine(containing: "state unprovisioned", timeout: .seconds(60))
                // The link (and its descriptor) ends with this block, before the gateway opens the port.
                try provision(port: port, dataDirectory: dataDirectory)
            }
            let server = try await startGateway(dataDirectory: dataDirectory, port: port)
            do {
                let line = try await session.waitForDiagnosticLine(containing: "measured boot-to-telemetry", timeout: timeout)
                await server.shutdown()
                return line
            } catch {
                await server.shutdown()
                throw error
            }
        }
    }

    private static func provision(port: String, dataDirectory: String) throws {
        let gateway = try GatewayContext(dataDirectory: dataDirectory, sealingKeyFile: nil, suite: suite)
        let link = try SerialFrameLink(path: port, baudRate: 115_200)
        _ = try ProvisioningSession(link: link, gateway: gateway, request: ProvisioningRequest(suite: suite)).run()
    }

    private static func startGateway(dataDirectory: String, port: String) async throws -> GatewayServer {
        var configuration = GatewayConfiguration()
        configuration.dataDirectory = dataDirectory
        configuration.udpListen = ""
        configuration.adminListen = ""
        configuration.metricsListen = ""
        configuration.serialPorts = [.init(path: port)]
        let quiet = Logger(label: "rampart.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let events = EventBus()
        let engine = try GatewayEngine.open(configuration: configuration, events: events, logger: quiet)
        var options = GatewayServerOptions()
        options.eventLoopThreads = 1
        options.notifySystemd = false
        return try await GatewayServer.start(configuration: configuration, engine: engine, events: events,
                                             adminToken: nil, logger: quiet, options: options)
    }

    /// `key=value` in a log line.
    static func text(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: key + "=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }

    static func value(_ key: String, in line: String) -> UInt64? {
        text(key, in: line).flatMap { UInt64($0) }
    }
}

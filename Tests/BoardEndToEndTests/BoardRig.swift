import Foundation
import Logging
import QEMURig
import RampartGateway
import RampartGatewayServer
import RampartHostCrypto
import RampartRegistry
import Testing

/// The repository checkout this test file is in.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// One QEMU board running the device firmware, its UART0 on a pty, its flash page store in
/// its own state directory and its log (the semihosting console) in the session's
/// diagnostics.
final class BoardRig: @unchecked Sendable {
    let board: QEMUBoard
    let suite: Int32
    let session: QEMUSession
    let stateDirectory: URL
    var kid: [UInt8] = []

    var ptyPath: String { session.ptyPath ?? "" }

    private init(board: QEMUBoard, suite: Int32, session: QEMUSession, stateDirectory: URL) {
        self.board = board
        self.suite = suite
        self.session = session
        self.stateDirectory = stateDirectory
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(component: "rampart-board-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Boots `board` with the application image, keeping the flash file of `stateDirectory`
    /// (a fresh directory: an unprovisioned board).
    static func boot(_ board: QEMUBoard, suite: Int32, stateDirectory: URL? = nil) async throws -> BoardRig {
        let firmware = FirmwareImage.application.path(repositoryRoot: repositoryRoot, board: board)
        try #require(FileManager.default.fileExists(atPath: firmware.path),
                     "\(firmware.path) is missing: run `make selftest-images` (the README's test command does)")
        let directory = try stateDirectory ?? temporaryDirectory(board.rawValue)
        let session = try await QEMUSession.launch(QEMULaunchOptions(
            board: board, firmware: firmware, uart: .pty(capture: false), stateDirectory: directory,
            timeLimit: .seconds(900)))
        return BoardRig(board: board, suite: suite, session: session, stateDirectory: directory)
    }

    func stop() {
        let session = self.session
        let semaphore = DispatchSemaphore(value: 0)
        Task.detached {
            _ = await session.stop()
            semaphore.signal()
        }
        semaphore.wait()
    }

    /// Waits until the board's log holds `occurrence` lines containing `needle`; returns the
    /// last of them.
    func logLine(_ needle: String, occurrence: Int = 1, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let lines = session.diagnostics.split(separator: "\n").filter { $0.contains(needle) }
            if lines.count >= occurrence { return String(lines[occurrence - 1]) }
            if ContinuousClock.now > deadline {
                Issue.record("\(board): no log line #\(occurrence) containing \"\(needle)\" in \(timeout); log:\n\(session.diagnostics)")
                throw BoardTestFailure.logLineNotSeen(needle)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `rampart provision --port` on this board's pty, with a fast policy for the test;
    /// returns the kid it assigned.
    static func provision(_ board: BoardRig, dataDirectory: URL) throws -> [UInt8] {
        let result = try runRampart([
            "provision", "--port", board.ptyPath, "--data-dir", dataDirectory.path, "--suite", "\(board.suite)",
            "--telemetry-interval", "0.25", "--ack-timeout", "500", "--quarantine-backoff", "500,2000",
            "--label", "qemu \(board.board.rawValue)", "--json",
        ])
        try #require(result.status == 0, "rampart provision failed (\(result.status)): \(result.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                                  "provision --json printed: \(result.output)")
        let kidHex = try #require(object["kid"] as? String, "no kid in \(result.output)")
        // The registration is in the ledger, with the tool that made it, and the ledger verifies.
        let shown = try runRampart(["ledger", "show", "--data-dir", dataDirectory.path, "--device", kidHex,
                                    "--type", "registration", "--json"])
        try #require(shown.status == 0, "rampart ledger show failed: \(shown.output)")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any],
                                 "ledger show --json printed: \(shown.output)")
        let body = try #require(entry["body"] as? [String: Any])
        #expect(body["tool"] as? String == "rampart provision")
        #expect(body["kid"] as? String == kidHex)
        let verified = try runRampart(["ledger", "verify", "--data-dir", dataDirectory.path, "--json", "--quiet"])
        #expect(verified.status == 0, "rampart ledger verify: \(verified.output)")
        return try #require([UInt8](hexString: kidHex))
    }

    /// Runs `.build/release/rampart` (or debug) and returns its exit status and standard output.
    static func runRampart(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let candidates = ["release", "debug"].map { repositoryRoot.appending(components: ".build", $0, "rampart") }
        let executable = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                                      "no .build/{release,debug}/rampart: run `make host`")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus,
                String(decoding: text, as: UTF8.self) + String(decoding: errorText, as: UTF8.self))
    }
}

enum BoardTestFailure: Error {
    case logLineNotSeen(String)
    case stateNotReached(String)
}

/// The real gateway (key store, SQLite registry, engine, NIO serial transports) on the
/// boards' ptys, in the data directory `rampart provision` registered them in.
struct BoardGateway {
    let dataDirectory: URL
    let ports: [String]
    let registry: SQLiteDeviceRegistry
    private(set) var engine: GatewayEngine
    private(set) var server: GatewayServer

    static let logger = Logger(label: "rampart.board-test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func start(dataDirectory: URL, ports: [String]) async throws -> BoardGateway {
        let registry = try SQLiteDeviceRegistry(dataDirectory: dataDirectory.path)
        let (engine, server) = try await launch(dataDirectory: dataDirectory, ports: ports, registry: registry)
        return BoardGateway(dataDirectory: dataDirectory, ports: ports, registry: registry, engine: engine, server: server)
    }

    private static func launch(dataDirectory: URL, ports: [String], registry: SQLiteDeviceRegistry) async throws
        -> (GatewayEngine, GatewayServer) {
        var configuration = GatewayConfiguration()
        configuration.dataDirectory = dataDirectory.path
        configuration.udpListen = "127.0.0.1:0"
        configuration.adminListen = ""
        configuration.metricsListen = ""
        configuration.serialPorts = ports.map { .init(path: $0) }
        let events = EventBus()
        let engine = try GatewayEngine.open(configuration: configuration, registry: registry, events: events, logger: logger)
        var options = GatewayServerOptions()
        options.eventLoopThreads = 1
        options.tickInterval = .milliseconds(100)
        options.notifySystemd = false
        options.serialReopenDelay = .milliseconds(100)
        let server = try await GatewayServer.start(configuration: configuration, engine: engine, events: events,
                                                   adminToken: nil, logger: logger, options: options)
        return (engine, server)
    }

    /// Stops the service and starts a new one on the same ports and data directory: keys and
    /// registry survive, sessions do not.
    mutating func restart() async throws {
        await server.shutdown()
        (engine, server) = try await Self.launch(dataDirectory: dataDirectory, ports: ports, registry: registry)
    }

    func shutdown() async {
        await server.shutdown()
    }

    func state(_ kid: [UInt8]) throws -> DeviceState {
        try #require(try engine.deviceState(kid: kid), "device \(kid) is not registered")
    }

    /// Polls the device's state every 20 ms until `condition` holds.
    func waitForState(_ kid: [UInt8], _ what: String, within timeout: Duration = .seconds(20),
                      _ condition: (DeviceState) -> Bool) async throws -> DeviceState {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = try state(kid)
            if condition(current) { return current }
            if ContinuousClock.now > deadline {
                Issue.record("device \(kid.hexString): no \(what) within \(timeout); last state \(current)")
                throw BoardTestFailure.stateNotReached(what)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

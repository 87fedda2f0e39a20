import Foundation
import QEMURig
import Testing

/// The board check image (`echo.elf`) on every QEMU board: its fault handler, its clean exit, and its
/// flash page store persisting across boots (`make selftest-images` builds the images).
@Suite(.serialized) struct BoardBehaviourTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let boards: [QEMUBoard] = [.mps2AN386, .mps2AN385, .microbit]
    /// The status the board's fault reporter exits with (boards/*/…Board.swift).
    static let faultExitStatus: Int32 = 0xFA

    static func application(_ board: QEMUBoard) throws -> URL {
        let url = root.appending(components: ".build", "firmware", board.rawValue, "echo.elf")
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "\(url.path) is missing: run `make selftest-images` (the README's test command does)")
        return url
    }

    /// Boots the application, waits for `rampart ready`, sends `line`, and waits for the end.
    static func boot(_ board: QEMUBoard, stateDirectory: URL, sending line: String) async throws -> QEMURunResult {
        let session = try await QEMUSession.launch(QEMULaunchOptions(
            board: board, firmware: try application(board), uart: .captured,
            stateDirectory: stateDirectory, timeLimit: .seconds(60)))
        _ = try await session.waitForLine(containing: "rampart ready", timeout: .seconds(30))
        try session.send(line: line)
        return await session.waitForExit()
    }

    @Test("a fault is reported on the UART and ends QEMU with a non-zero status", arguments: boards)
    func faultHandler(board: QEMUBoard) async throws {
        let state = FileManager.default.temporaryDirectory.appending(component: "rampart-fault-\(UUID())")
        defer { try? FileManager.default.removeItem(at: state) }
        let result = try await Self.boot(board, stateDirectory: state, sending: "!fault")
        #expect(result.termination == .exited(status: Self.faultExitStatus), "\(result.outputText)")
        #expect(result.outputText.contains("FAULT HardFault pc=0x"), "\(result.outputText)")
    }

    @Test("the flash page store keeps the boot counter across boots", arguments: boards)
    func flashPersists(board: QEMUBoard) async throws {
        let state = FileManager.default.temporaryDirectory.appending(component: "rampart-flash-\(UUID())")
        defer { try? FileManager.default.removeItem(at: state) }
        for boot in 1...2 {
            let result = try await Self.boot(board, stateDirectory: state, sending: "!exit")
            #expect(result.termination == .exited(status: 0), "\(result.outputText)")
            #expect(result.outputText.contains("boot=\(boot)\n"), "boot \(boot): \(result.outputText)")
            #expect(result.outputText.contains("bye"))
        }
        let page = try Data(contentsOf: state.appending(component: "rampart-flash.bin"))
        #expect(page.count == 2 * 1024)
        #expect(Array(page.prefix(5)) == [0x52, 0x42, 0x43, 0x31, 2], "magic RBC1 and count 2")
    }
}

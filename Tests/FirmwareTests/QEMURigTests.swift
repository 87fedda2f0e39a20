import Foundation
@testable import QEMURig
import Testing

/// The checkout this file is in: `Tests/FirmwareTests/QEMURigTests.swift` is three levels down.
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A firmware image from `.build/firmware/<board>/`; a missing image fails the test with the
/// make target that builds it.
private func image(_ image: FirmwareImage, for board: QEMUBoard) throws -> URL {
    let path = image.path(repositoryRoot: repositoryRoot, board: board)
    try #require(FileManager.default.fileExists(atPath: path.path),
                 "\(path.path) is missing; build it with `\(image.buildCommand(board: board))`")
    return path
}

/// Whether any `qemu-system-arm` is left in the session QEMU led (its session ID is its PID).
private func qemuRemains(inSession sessionID: Int32) throws -> Bool {
    let pgrep = Process()
    pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    pgrep.arguments = ["-s", String(sessionID), "qemu-system-arm"]
    pgrep.standardOutput = FileHandle.nullDevice
    try pgrep.run()
    pgrep.waitUntilExit()
    return pgrep.terminationStatus == 0
}

/// `(passed, failed)` from the self-test's summary line `self-test: N passed, M failed`.
private func selfTestSummary(in output: String) -> (passed: Int, failed: Int)? {
    for line in output.split(separator: "\n") {
        let words = line.split(separator: " ")
        guard let start = words.firstIndex(of: "self-test:"), words.count >= start + 5,
              words[start + 2] == "passed,", words[start + 4].hasPrefix("failed"),
              let passed = Int(words[start + 1]), let failed = Int(words[start + 3]) else { continue }
        return (passed, failed)
    }
    return nil
}

@Suite("QEMU rig", .timeLimit(.minutes(1)))
struct QEMURigTests {
    static let selfTestLimit: Duration = .seconds(30)
    static let lineTimeout: Duration = .seconds(10)

    @Test("self-test passes and exits 0 through semihosting", arguments: QEMUBoard.allCases)
    func selfTestPasses(on board: QEMUBoard) async throws {
        let result = try await QEMURig.run(QEMULaunchOptions(
            board: board, firmware: try image(.selfTest, for: board), timeLimit: Self.selfTestLimit))
        #expect(result.exitStatus == 0, "\(result.termination)\n\(result.outputText)\(result.diagnostics)")
        let summary = try #require(selfTestSummary(in: result.outputText), "no summary in:\n\(result.outputText)")
        #expect(summary.passed > 0)
        #expect(summary.failed == 0)
        #expect(try !qemuRemains(inSession: result.processID))
    }

    @Test("self-test passes under instruction counting")
    func selfTestPassesUnderInstructionCounting() async throws {
        let board = QEMUBoard.mps2AN386
        let result = try await QEMURig.run(QEMULaunchOptions(
            board: board, firmware: try image(.selfTest, for: board), timeLimit: Self.selfTestLimit,
            countsInstructions: true))
        #expect(result.exitStatus == 0, "\(result.termination)\n\(result.outputText)\(result.diagnostics)")
    }

    @Test("application greets on a pty and echoes a line written to it")
    func applicationEchoesOverPty() async throws {
        let board = QEMUBoard.mps2AN386
        let session = try await QEMUSession.launch(QEMULaunchOptions(
            board: board, firmware: try image(.echo, for: board), uart: .pty(capture: true),
            timeLimit: .seconds(30)))
        let ptyPath = try #require(session.ptyPath)
        _ = try await session.waitForLine(containing: "rampart ready", timeout: Self.lineTimeout)
        #expect(try qemuRemains(inSession: session.processID), "pgrep must see the running QEMU")

        let writer = try #require(FileHandle(forWritingAtPath: ptyPath), "cannot open \(ptyPath)")
        try writer.write(contentsOf: Data("hello rig\n".utf8))
        try writer.close()
        let echo = try await session.waitForLine(containing: "echo: ", timeout: Self.lineTimeout)
        #expect(echo.hasSuffix("echo: hello rig"))

        let result = await session.stop()
        #expect(result.termination == .stopped)
        #expect(try !qemuRemains(inSession: session.processID))
    }

    @Test("application echoes input sent by the rig",
          arguments: [UARTConnection.captured, .unixSocket])
    func applicationEchoesRigInput(over uart: UARTConnection) async throws {
        let board = QEMUBoard.mps2AN386
        let processID = try await QEMURig.withSession(QEMULaunchOptions(
            board: board, firmware: try image(.echo, for: board), uart: uart, timeLimit: .seconds(30))
        ) { session in
            _ = try await session.waitForLine(containing: "rampart ready", timeout: Self.lineTimeout)
            try session.send(line: "ping 42")
            let echo = try await session.waitForLine(containing: "echo: ", timeout: Self.lineTimeout)
            #expect(echo.hasSuffix("echo: ping 42"))
            return session.processID
        }
        #expect(try !qemuRemains(inSession: processID))
    }

    @Test("a run over its time limit is stopped and reported as timed out")
    func timeLimitStopsFirmwareThatNeverExits() async throws {
        let board = QEMUBoard.mps2AN386
        let limit = Duration.seconds(2)
        let result = try await QEMURig.run(QEMULaunchOptions(
            board: board, firmware: try image(.echo, for: board), timeLimit: limit))
        #expect(result.timedOut)
        #expect(result.termination == .timedOut(limit: limit))
        #expect(result.exitStatus == nil)
        #expect(result.wallTime >= limit)
        #expect(result.wallTime < limit + QEMURigLimits.terminationGracePeriod + .seconds(3))
        #expect(result.outputText.contains("rampart ready"))
        #expect(try !qemuRemains(inSession: result.processID))
    }

    @Test("cancelling the task that waits for a run stops the board")
    func cancellationStopsTheBoard() async throws {
        let board = QEMUBoard.mps2AN386
        let session = try await QEMUSession.launch(QEMULaunchOptions(
            board: board, firmware: try image(.echo, for: board), timeLimit: .seconds(30)))
        _ = try await session.waitForLine(containing: "rampart ready", timeout: Self.lineTimeout)
        let waiter = Task { await session.waitForExit() }
        waiter.cancel()
        let result = await waiter.value
        #expect(result.termination == .cancelled)
        #expect(try !qemuRemains(inSession: session.processID))
    }

    @Test("a session released without being stopped (a test that failed midway) stops its board")
    func releasedSessionStopsTheBoard() async throws {
        let board = QEMUBoard.mps2AN386
        var session: QEMUSession? = try await QEMUSession.launch(QEMULaunchOptions(
            board: board, firmware: try image(.echo, for: board), timeLimit: .seconds(30)))
        let processID = try #require(session?.processID)
        _ = try await session?.waitForLine(containing: "rampart ready", timeout: Self.lineTimeout)
        session = nil
        let deadline = ContinuousClock.now + QEMURigLimits.terminationGracePeriod + .seconds(3)
        while try qemuRemains(inSession: processID), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try !qemuRemains(inSession: processID))
    }

    @Test("a QEMU that fails to start is reported with what it said, promptly",
          arguments: [UARTConnection.captured, .pty(capture: true)])
    func failedStartupIsReported(uart: UARTConnection) async throws {
        let directory = FileManager.default.temporaryDirectory.appending(component: "rampart-fake-qemu-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A shell posing as QEMU rejects `-M` on stderr and exits. A symlink, not a script: a
        // freshly written executable can fail with ETXTBSY while other tests spawn processes.
        let fakeQEMU = directory.appending(component: "qemu-system-arm")
        try FileManager.default.createSymbolicLink(atPath: fakeQEMU.path, withDestinationPath: "/bin/sh")

        let options = QEMULaunchOptions(board: .mps2AN386, firmware: try image(.selfTest, for: .mps2AN386),
                                        uart: uart, qemuExecutable: fakeQEMU)
        let started = ContinuousClock.now
        do {
            _ = try await QEMUSession.launch(options)
            Issue.record("launch succeeded with a QEMU that exits at once")
        } catch {
            guard case .startupFailed(_, let diagnostics) = error else {
                Issue.record("expected startupFailed, got \(error)")
                return
            }
            #expect(diagnostics.contains("-M") || diagnostics.contains("M'"), "\(diagnostics)")
        }
        #expect(ContinuousClock.now - started < QEMURigLimits.startupTimeout / 2)
    }

    @Test("a missing firmware image names the make target that builds it")
    func missingFirmwareNamesItsMakeTarget() async throws {
        let missing = FileManager.default.temporaryDirectory
            .appending(components: "rampart-no-such-dir-\(UInt32.random(in: 0...UInt32.max))", "selftest.elf")
        let expected = QEMURigError.firmwareMissing(path: missing.path, buildCommand: "make selftest-image BOARD=microbit")
        await #expect(throws: expected) {
            _ = try await QEMURig.run(QEMULaunchOptions(board: .microbit, firmware: missing))
        }
        #expect(expected.description.contains("make selftest-image BOARD=microbit"))
    }

    @Test("a file that is not an Arm ELF is refused before QEMU starts")
    func nonELFIsRefused() async throws {
        let notELF = URL(fileURLWithPath: #filePath)
        await #expect(throws: QEMURigError.firmwareNotArmELF(path: notELF.path)) {
            _ = try await QEMURig.run(QEMULaunchOptions(board: .mps2AN385, firmware: notELF))
        }
    }

    @Test("an unknown board is refused with the list of known boards")
    func unknownBoardIsRefused() throws {
        #expect(throws: QEMURigError.unknownBoard("mps2-an999")) { try QEMUBoard(named: "mps2-an999") }
        let message = QEMURigError.unknownBoard("mps2-an999").description
        for board in QEMUBoard.allCases { #expect(message.contains(board.rawValue)) }
        #expect(try QEMUBoard(named: "microbit") == .microbit)
    }

    @Test("captured output stops growing at its limit and still finds complete lines")
    func capturedStreamIsBounded() {
        var stream = CapturedStream(limit: 16)
        stream.append(ArraySlice("boot\r\nrampart ready\n".utf8))
        #expect(stream.bytes.count == 16)
        #expect(stream.droppedBytes == 4)
        var offset = 0
        #expect(stream.firstLine(containing: Array("boot".utf8), from: &offset) == "boot")
        #expect(offset == 6)
        #expect(stream.firstLine(containing: Array("ready".utf8), from: &offset) == nil)
        #expect(offset == 6, "an unterminated line is not searched")
    }

    @Test("command line: semihosting exit, UART wiring and instruction counting")
    func commandLine() {
        let arguments = QEMUCommandLine(board: .microbit, firmwarePath: "/fw.elf", uart: .pty(capture: false),
                                        countsInstructions: true, uartSocketPath: "/s/uart.sock",
                                        controlPipePath: "/s/control").arguments
        let joined = arguments.joined(separator: " ")
        #expect(joined.contains("-M microbit"))
        #expect(joined.contains("-semihosting-config enable=on,target=native"))
        #expect(joined.contains("-kernel /fw.elf"))
        #expect(joined.contains("-serial pty -S"))
        #expect(joined.contains("-chardev pipe,id=rigctl,path=/s/control -mon chardev=rigctl,mode=control"))
        #expect(joined.contains("-icount shift=7,align=off,sleep=off"))
        #expect(joined.contains("-monitor none"))
    }
}

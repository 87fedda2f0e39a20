import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One running board.
///
/// A session is started by ``launch(_:)`` and ends when the firmware exits, its time limit
/// passes, ``stop()`` is called, the task awaiting ``waitForExit()`` is cancelled, or the session
/// is released. QEMU never outlives the session's process (see ``QEMURig``).
public final class QEMUSession: Sendable {
    /// The board being emulated.
    public let board: QEMUBoard
    /// QEMU's process ID, which is also its process group and session ID.
    public let processID: Int32
    /// The pty the board's UART0 is on, for ``UARTConnection/pty(capture:)``.
    public let ptyPath: String?
    /// QEMU's working directory, where semihosting files are.
    public let stateDirectory: URL
    /// The full command QEMU was started with, for reproducing a run by hand.
    public let command: [String]

    private let core: SessionCore
    private let uartInputIsSocket: Bool

    private init(board: QEMUBoard, processID: Int32, ptyPath: String?, stateDirectory: URL,
                 command: [String], core: SessionCore, uartInputIsSocket: Bool) {
        self.board = board
        self.processID = processID
        self.ptyPath = ptyPath
        self.stateDirectory = stateDirectory
        self.command = command
        self.core = core
        self.uartInputIsSocket = uartInputIsSocket
    }

    deinit {
        core.terminate(.stopped)
    }

    /// Boots `options.firmware` on `options.board` and returns once the board is running with
    /// its UART connected as asked.
    ///
    /// - Throws: ``QEMURigError`` when QEMU, `setpriv`, or the firmware is missing, the firmware
    ///   is not an Arm ELF, or QEMU fails to start the board within
    ///   ``QEMURigLimits/startupTimeout`` (QEMU is stopped before the error is thrown).
    public static func launch(_ options: QEMULaunchOptions) async throws(QEMURigError) -> QEMUSession {
        let qemu = try QEMUInstallation.qemu(override: options.qemuExecutable)
        let setpriv = try QEMUInstallation.setpriv()
        let firmware = options.firmware.absoluteURL.standardizedFileURL
        try FirmwareCheck.validate(firmware, board: options.board)

        let privateDirectory = try makePrivateDirectory()
        let uartSocketPath = privateDirectory.appending(component: "uart.sock").path
        let controlPipePath = privateDirectory.appending(component: "control").path
        let stateDirectory: URL
        let commandLine: QEMUCommandLine
        let core = SessionCore(options: options, privateDirectory: privateDirectory)
        let control: ControlChannel
        let spawned: (processID: Int32, uartInput: Int32?)
        do throws(QEMURigError) {
            stateDirectory = try prepareStateDirectory(options.stateDirectory ?? privateDirectory)
            try UnixSocket.validate(uartSocketPath)
            commandLine = QEMUCommandLine(board: options.board, firmwarePath: firmware.path, uart: options.uart,
                                          countsInstructions: options.countsInstructions,
                                          idleRunsInRealTime: options.idleRunsInRealTime,
                                          uartSocketPath: uartSocketPath, controlPipePath: controlPipePath)
            control = try ControlChannel.create(at: controlPipePath)
            core.own(control.requests)
            core.own(control.replies)
            spawned = try await spawn(qemu: qemu, setpriv: setpriv, arguments: commandLine.arguments,
                                      stateDirectory: stateDirectory, uart: options.uart, core: core)
        } catch {
            try? FileManager.default.removeItem(at: privateDirectory)
            throw error
        }
        if let limit = options.timeLimit { core.armTimeLimit(limit) }

        let ptyPath: String?
        do throws(QEMURigError) {
            let connection = try await connectUART(options.uart, capturedInput: spawned.uartInput,
                                                   uartSocketPath: uartSocketPath, control: control, core: core)
            ptyPath = connection.ptyPath
            MainLoopKicker.start(control, pendingInput: connection.inputSocket, core: core)
        } catch {
            core.terminate(error == .cancelled ? .cancelled : .stopped)
            let result = await core.result()
            if case .startupFailed(let reason, _) = error {
                throw .startupFailed(reason: reason, diagnostics: result.diagnostics)
            }
            throw error
        }
        return QEMUSession(board: options.board, processID: spawned.processID, ptyPath: ptyPath,
                           stateDirectory: stateDirectory, command: [qemu.path] + commandLine.arguments,
                           core: core, uartInputIsSocket: options.uart.isSocket)
    }

    // MARK: Output

    /// The UART output captured so far (at most ``QEMURigLimits/capturedOutputBytesMax`` bytes).
    public var output: [UInt8] { core.uartBytes }

    /// ``output`` as UTF-8 text.
    public var outputText: String { String(decoding: core.uartBytes, as: UTF8.self) }

    /// QEMU's own messages so far, and — when UART0 is not captured on stdio — QEMU's
    /// standard output, where the semihosting console (a board's log) goes.
    public var diagnostics: String { core.diagnosticsText }

    /// Waits for the first complete line of ``diagnostics`` (searched from the start) that
    /// contains `needle`: a board's log line when UART0 is on a pty or a socket.
    ///
    /// - Throws: ``QEMURigError/lineNotSeen(needle:reason:)`` when `timeout` passes or the
    ///   board ends first; ``QEMURigError/cancelled``.
    public func waitForDiagnosticLine(containing needle: String, timeout: Duration) async throws(QEMURigError) -> String {
        try await core.waitForLine(containing: needle, on: .diagnostics, timeout: timeout).get()
    }

    /// Waits for the first complete UART line (searched from the start of the output) that
    /// contains `needle`, and returns it without its line ending.
    ///
    /// - Throws: ``QEMURigError/lineNotSeen(needle:reason:)`` when `timeout` passes, the board
    ///   ends first, or the UART is not captured; ``QEMURigError/cancelled``.
    public func waitForLine(containing needle: String, timeout: Duration) async throws(QEMURigError) -> String {
        try await core.waitForLine(containing: needle, on: .uart, timeout: timeout).get()
    }

    // MARK: Input

    /// Writes bytes to the board's UART0, waiting at most ``QEMURigLimits/sendTimeout`` for a
    /// board that does not read its input.
    ///
    /// - Throws: ``QEMURigError/sendFailed(reason:)`` if the board has ended or does not take
    ///   the bytes in time.
    public func send(_ bytes: [UInt8]) throws(QEMURigError) {
        let isSocket = uartInputIsSocket
        let outcome = core.withUARTInput { descriptor in
            Descriptors.writeAll(bytes, to: descriptor, isSocket: isSocket, timeout: QEMURigLimits.sendTimeout)
        }
        guard let outcome else { throw .sendFailed(reason: "the board is not running") }
        try outcome.get()
    }

    /// Writes `line` and a line feed to the board's UART0.
    public func send(line: String) throws(QEMURigError) {
        try send(Array(line.utf8) + [UInt8(ascii: "\n")])
    }

    // MARK: Ending

    /// Waits until the run ends: the firmware exits, the time limit passes, or someone stops it.
    /// Cancelling the waiting task stops the board and reports ``QEMUTermination/cancelled``.
    public func waitForExit() async -> QEMURunResult {
        await withTaskCancellationHandler {
            await core.result()
        } onCancel: {
            core.terminate(.cancelled)
        }
    }

    /// Stops the board (SIGTERM, then SIGKILL after ``QEMURigLimits/terminationGracePeriod``)
    /// and returns the run's result. Returns the result unchanged if the run has already ended.
    public func stop() async -> QEMURunResult {
        core.terminate(.stopped)
        return await core.result()
    }

    // MARK: Starting

    private static func makePrivateDirectory() throws(QEMURigError) -> URL {
        let template = FileManager.default.temporaryDirectory.appending(component: "rampart-qemu-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw .systemCallFailed(call: "mkdtemp \(template)", errno: errno)
        }
        return URL(fileURLWithPath: String(cString: created), isDirectory: true)
    }

    private static func prepareStateDirectory(_ directory: URL) throws(QEMURigError) -> URL {
        let path = directory.absoluteURL.standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        } catch {
            let code = (error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code }
            throw .stateDirectoryUnusable(path: path.path, errno: Int32(code ?? Int(EIO)))
        }
        return path
    }

    /// Starts QEMU with its stdio wired for `uart`; QEMU's stderr (and, outside captured
    /// mode, its stdout) feeds the diagnostics stream.
    private static func spawn(qemu: URL, setpriv: URL, arguments: [String], stateDirectory: URL,
                              uart: UARTConnection,
                              core: SessionCore) async throws(QEMURigError) -> (processID: Int32, uartInput: Int32?) {
        let diagnostics = try Descriptors.pipe()
        var childSide = [diagnostics.write]
        var rigSide = [diagnostics.read]
        let descriptors: ProcessSupervisor.ChildDescriptors
        var uartOutput: Int32?
        var uartInput: Int32?
        do throws(QEMURigError) {
            if uart == .captured {
                let input = try Descriptors.socketPair()
                let output = try Descriptors.pipe()
                childSide += [input.child, output.write]
                rigSide += [input.rig, output.read]
                uartInput = input.rig
                uartOutput = output.read
                descriptors = .init(standardInput: input.child, standardOutput: output.write,
                                    standardError: diagnostics.write)
            } else {
                let null = try Descriptors.openNull()
                childSide.append(null)
                descriptors = .init(standardInput: null, standardOutput: diagnostics.write,
                                    standardError: diagnostics.write)
            }
        } catch {
            for descriptor in childSide + rigSide { close(descriptor) }
            throw error
        }
        for descriptor in rigSide { core.own(descriptor) }
        defer { for descriptor in childSide { close(descriptor) } }

        // Readers first: a QEMU that exits at once must not end the run before its output is read.
        StreamReader.start(diagnostics.read, into: .diagnostics, core: core, name: "diagnostics")
        if let uartOutput { StreamReader.start(uartOutput, into: .uart, core: core, name: "UART") }
        let processID: Int32
        do throws(QEMURigError) {
            processID = try await ProcessSupervisor.spawn(
                setpriv: setpriv, executable: qemu, arguments: arguments,
                workingDirectory: stateDirectory, descriptors: descriptors, core: core)
        } catch {
            core.spawnFailed()
            throw error
        }
        if let uartInput {
            Descriptors.setNonBlocking(uartInput)
            core.setUARTInput(uartInput)
        }
        return (processID, uartInput)
    }

    /// Where the rig reaches UART0 once the board runs.
    private struct UARTEndpoint {
        var ptyPath: String?
        /// The socket the rig writes input to, when it writes through one.
        var inputSocket: Int32?
    }

    /// Connects the rig to UART0, takes QMP out of negotiation mode, and lets a paused (pty)
    /// board run.
    private static func connectUART(_ uart: UARTConnection, capturedInput: Int32?, uartSocketPath: String,
                                    control: ControlChannel,
                                    core: SessionCore) async throws(QEMURigError) -> UARTEndpoint {
        let deadline = ContinuousClock.now + QEMURigLimits.startupTimeout
        let endpoint: UARTEndpoint
        var commands: [String] = []
        switch uart {
        case .captured:
            endpoint = UARTEndpoint(ptyPath: nil, inputSocket: capturedInput)

        case .pty(let capture):
            let announcement = await core.waitForLine(containing: PseudoTerminal.announcement, on: .diagnostics,
                                                      timeout: QEMURigLimits.startupTimeout)
            let line = try startupStep(announcement, failing: "QEMU did not announce its pty")
            guard let path = PseudoTerminal.path(inAnnouncement: line) else {
                throw .startupFailed(reason: "cannot read the pty path in '\(line)'", diagnostics: "")
            }
            let slave = try PseudoTerminal.openSlave(path)
            core.own(slave)
            if capture { StreamReader.start(slave, into: .uart, core: core, name: "pty") }
            core.setUARTInput(slave)
            endpoint = UARTEndpoint(ptyPath: path, inputSocket: nil)
            commands = ["cont"]

        case .unixSocket:
            let socket = try startupStep(await UnixSocket.dial(uartSocketPath, before: deadline, core: core),
                                         failing: "cannot connect to QEMU's UART socket")
            core.own(socket)
            StreamReader.start(socket, into: .uart, core: core, name: "socket")
            core.setUARTInput(socket)
            endpoint = UARTEndpoint(ptyPath: nil, inputSocket: socket)
        }
        let opened = await onDedicatedThread(named: "QEMURig QMP") { [commands] in
            QMPClient.open(control, thenExecute: commands, deadline: deadline, core: core)
        }
        try opened.get()
        return endpoint
    }

    /// Turns a failed startup step into ``QEMURigError/startupFailed(reason:diagnostics:)``,
    /// keeping cancellation as it is.
    private static func startupStep<T>(_ result: Result<T, QEMURigError>,
                                       failing reason: String) throws(QEMURigError) -> T {
        switch result {
        case .success(let value): return value
        case .failure(.cancelled): throw .cancelled
        case .failure(let error): throw .startupFailed(reason: "\(reason) (\(error))", diagnostics: "")
        }
    }
}

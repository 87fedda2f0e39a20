import ArgumentParser
import Dispatch
import Foundation
import QEMURig
import Synchronization

extension QEMUBoard: ExpressibleByArgument {}

/// `rampart qemu`: Rampart firmware on QEMU-emulated boards.
struct QEMUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qemu",
        abstract: "Boot Rampart firmware on a QEMU-emulated board.",
        subcommands: [Run.self])
}

extension QEMUCommand {
    /// `rampart qemu run`: boots one image and exits with the firmware's status.
    struct Run: AsyncParsableCommand {
        /// coreutils `timeout`'s status for a command that ran out of time.
        static let timedOutStatus: Int32 = 124
        /// Shell convention for death by signal N: 128 + N.
        static let signalStatusBase: Int32 = 128

        static let configuration = CommandConfiguration(
            abstract: "Boot a firmware ELF on an emulated board and exit with the firmware's status.",
            discussion: """
                The firmware ends a run by exiting through semihosting (SYS_EXIT or \
                SYS_EXIT_EXTENDED); its status becomes this command's exit status. A run that \
                exceeds --timeout is stopped and exits with 124, as coreutils' timeout does. \
                Ctrl-C stops the board and exits with 130. QEMU never outlives this command.

                --serial stdio (default) streams the board's UART0 to standard output as it \
                arrives and forwards standard input to the board. --serial pty puts UART0 on a \
                pseudo-terminal for another program (such as the gateway) to open, prints its \
                path (/dev/pts/N) as the only line on standard output, and does not read it; \
                the board's log (its semihosting console, e.g. the device application's \
                `rampart: …` lines) streams to standard error as it arrives.

                QEMU runs in --state-dir, where semihosting file I/O lands (the QEMU boards \
                keep their flash page there); without it, a temporary directory is used and \
                removed afterwards. --icount makes instruction counts exact and repeatable: \
                the firmware reads CMSDK Timer0, and instructions = ticks × 40 / 128.

                Examples:
                  rampart qemu run --board mps2-an386 --timeout 300 \\
                      --elf .build/firmware/mps2-an386/selftest.elf
                  rampart qemu run --board microbit --serial pty --state-dir /tmp/b1 \\
                      --elf .build/firmware/microbit/rampart.elf
                """)

        enum Serial: String, ExpressibleByArgument, CaseIterable {
            case stdio, pty
        }

        @Option(help: "The board: QEMU's machine name.")
        var board: QEMUBoard

        @Option(help: ArgumentHelp("The firmware ELF to boot (make firmware / make selftest-images build them).",
                                   valueName: "file"))
        var elf: String

        @Option(help: ArgumentHelp("Stop the board after this many seconds and exit with 124.",
                                   valueName: "seconds"))
        var timeout: Double?

        @Flag(help: "Count instructions exactly: QEMU -icount shift=7,align=off,sleep=off.")
        var icount = false

        @Option(name: .customLong("state-dir"),
                help: ArgumentHelp("QEMU's working directory, for the board's semihosting files.",
                                   valueName: "directory"))
        var stateDirectory: String?

        @Option(help: "Where the board's UART0 goes.")
        var serial: Serial = .stdio

        @Flag(name: .shortAndLong, help: "Print QEMU's command line and messages on standard error.")
        var verbose = false

        func validate() throws {
            if let timeout, !(timeout > 0 && timeout.isFinite) {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
        }

        func run() async throws {
            let streamToStandardOutput: @Sendable ([UInt8]) -> Void = { StandardStream.output.write($0) }
            let options = QEMULaunchOptions(
                board: board,
                firmware: URL(fileURLWithPath: elf),
                uart: serial == .stdio ? .captured : .pty(capture: false),
                stateDirectory: stateDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) },
                timeLimit: timeout.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) },
                countsInstructions: icount,
                outputObserver: serial == .stdio ? streamToStandardOutput : nil)
            var launch = options
            if serial == .pty {
                launch.diagnosticsObserver = { StandardStream.error.write($0) }
            }
            let session = try await QEMUSession.launch(launch)
            if verbose { StandardStream.error.write(line: session.command.joined(separator: " ")) }
            switch serial {
            case .stdio: StandardInputForwarder.start(to: session)
            case .pty: StandardStream.output.write(line: session.ptyPath ?? "")
            }

            let result = await waitStoppingOnSignals(session)
            if serial == .stdio && (verbose || result.exitStatus != 0) {
                StandardStream.error.write(text: Self.noteworthy(result.diagnostics))
            }
            switch result.termination {
            case .exited(let status):
                throw ExitCode(status)
            case .timedOut(let limit):
                StandardStream.error.write(line: "rampart qemu run: timed out after \(limit); board stopped")
                throw ExitCode(Self.timedOutStatus)
            case .cancelled, .stopped:
                throw ExitCode(Self.signalStatusBase + SignalRelay.received)
            case .killedBySignal(let signal):
                StandardStream.error.write(line: "rampart qemu run: QEMU was killed by signal \(signal)")
                throw ExitCode(Self.signalStatusBase + signal)
            }
        }

        /// Waits for the run; SIGINT or SIGTERM to this command stops the board.
        private func waitStoppingOnSignals(_ session: QEMUSession) async -> QEMURunResult {
            let waiting = Task { await session.waitForExit() }
            let relay = SignalRelay(signals: [SIGINT, SIGTERM]) { waiting.cancel() }
            let result = await waiting.value
            relay.cancel()
            return result
        }

        /// QEMU's messages minus the ones every run prints.
        private static func noteworthy(_ diagnostics: String) -> String {
            let routine = ["has no peer", "terminating on signal", "char device redirected to"]
            return diagnostics.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { line in !routine.contains { line.contains($0) } }
                .joined(separator: "\n")
        }
    }
}

/// Turns SIGINT / SIGTERM into a callback instead of this process's death.
private final class SignalRelay {
    /// The last signal relayed, for the exit status.
    private static let lastSignal = Atomic<Int32>(SIGINT)
    static var received: Int32 { lastSignal.load(ordering: .relaxed) }

    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                SignalRelay.lastSignal.store(number, ordering: .relaxed)
                handler()
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}

/// Copies this process's standard input to the board's UART0 on a dedicated thread.
private enum StandardInputForwarder {
    static let chunkBytes = 4096

    static func start(to session: QEMUSession) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: chunkBytes)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0, (try? session.send(Array(buffer[..<count]))) != nil else { return }
            }
        }
        thread.name = "rampart stdin forwarder"
        thread.start()
    }
}

/// Unbuffered writes to standard output and standard error.
private struct StandardStream {
    static let output = StandardStream(descriptor: STDOUT_FILENO)
    static let error = StandardStream(descriptor: STDERR_FILENO)

    let descriptor: Int32

    func write(_ bytes: [UInt8]) {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes {
                Foundation.write(descriptor, $0.baseAddress, $0.count)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    func write(line: String) { write(Array((line + "\n").utf8)) }

    func write(text: String) {
        let trimmed = text.trimmingCharacters(in: .newlines)
        if !trimmed.isEmpty { write(line: trimmed) }
    }
}

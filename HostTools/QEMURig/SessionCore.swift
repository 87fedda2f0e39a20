import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The shared state of one QEMU run: the process, its captured streams and everyone waiting on
/// them. Reader and supervisor threads feed it; async callers wait on it.
final class SessionCore: Sendable {
    enum Stream: Sendable { case uart, diagnostics }

    private struct LineWaiter {
        var stream: Stream
        var needle: [UInt8]
        var needleText: String
        var offset = 0
        var continuation: CheckedContinuation<Result<String, QEMURigError>, Never>
    }

    private enum Phase { case starting, running(pid_t), reaped(pid_t) }

    private struct State {
        var uart = CapturedStream(limit: QEMURigLimits.capturedOutputBytesMax)
        var diagnostics = CapturedStream(limit: QEMURigLimits.diagnosticsBytesMax)
        var phase = Phase.starting
        var endRequest: QEMUTermination?
        var waitStatus: Int32 = 0
        var openReaders = 0
        var reapedAt: ContinuousClock.Instant?
        var result: QEMURunResult?
        var lineWaiters: [UInt64: LineWaiter] = [:]
        var resultWaiters: [CheckedContinuation<QEMURunResult, Never>] = []
        var nextWaiterID: UInt64 = 0
        /// Descriptors the rig keeps open until the session is gone.
        var ownedDescriptors: [Int32] = []
        var uartInput: Int32?
    }

    let board: QEMUBoard
    let capturesUART: Bool
    let launchedAt = ContinuousClock.now
    private let observer: (@Sendable ([UInt8]) -> Void)?
    private let diagnosticsObserver: (@Sendable ([UInt8]) -> Void)?
    private let privateDirectory: URL
    private let state = Mutex(State())

    init(options: QEMULaunchOptions, privateDirectory: URL) {
        board = options.board
        capturesUART = options.uart.isCaptured
        observer = options.outputObserver
        diagnosticsObserver = options.diagnosticsObserver
        self.privateDirectory = privateDirectory
    }

    deinit {
        state.withLock { state in
            for descriptor in state.ownedDescriptors { close(descriptor) }
        }
    }

    // MARK: Descriptors

    /// Closes `descriptor` when the session is gone.
    func own(_ descriptor: Int32) {
        state.withLock { $0.ownedDescriptors.append(descriptor) }
    }

    func setUARTInput(_ descriptor: Int32) {
        state.withLock { $0.uartInput = descriptor }
    }

    /// Runs `body` with the UART input descriptor, or returns `nil` if there is none or the
    /// board has ended.
    func withUARTInput<T>(_ body: (Int32) -> T) -> T? {
        state.withLock { state in
            guard case .running = state.phase, let descriptor = state.uartInput else { return nil }
            return body(descriptor)
        }
    }

    // MARK: Process

    /// Ends a run whose QEMU never started, so that its readers stop.
    func spawnFailed() {
        let resumptions = state.withLock { state -> Resumptions in
            state.phase = .reaped(0)
            state.reapedAt = .now
            return finishIfDone(&state)
        }
        resumptions.run()
    }

    func processStarted(_ pid: pid_t) {
        state.withLock { $0.phase = .running(pid) }
    }

    /// Called by the supervisor once QEMU has exited but before it is reaped, so that no
    /// signal can reach a recycled process ID.
    func processExiting() {
        state.withLock { state in
            if case .running(let pid) = state.phase { state.phase = .reaped(pid) }
        }
    }

    func processReaped(waitStatus: Int32) {
        let resumptions = state.withLock { state -> Resumptions in
            state.waitStatus = waitStatus
            state.reapedAt = .now
            return finishIfDone(&state)
        }
        resumptions.run()
    }

    var hasEnded: Bool {
        state.withLock { if case .reaped = $0.phase { true } else { false } }
    }

    /// Asks QEMU to stop (SIGTERM to its process group, SIGKILL after the grace period).
    /// The first reason given is the one reported.
    func terminate(_ reason: QEMUTermination) {
        let signalled = state.withLock { state -> Bool in
            guard case .running(let pid) = state.phase else { return false }
            if state.endRequest == nil { state.endRequest = reason }
            kill(-pid, SIGTERM)
            return true
        }
        guard signalled else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + QEMURigLimits.terminationGracePeriod.dispatchInterval) {
            [weak self] in self?.killNow()
        }
    }

    /// SIGKILL to QEMU's process group if it is still running.
    func killNow() {
        state.withLock { state in
            guard case .running(let pid) = state.phase else { return }
            kill(-pid, SIGKILL)
        }
    }

    func armTimeLimit(_ limit: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + limit.dispatchInterval) { [weak self] in
            self?.terminate(.timedOut(limit: limit))
        }
    }

    // MARK: Output

    func readerStarted() {
        state.withLock { $0.openReaders += 1 }
    }

    func readerFinished() {
        let resumptions = state.withLock { state -> Resumptions in
            state.openReaders -= 1
            return finishIfDone(&state)
        }
        resumptions.run()
    }

    func append(_ chunk: ArraySlice<UInt8>, to stream: Stream) {
        let resumptions = state.withLock { state -> Resumptions in
            switch stream {
            case .uart: state.uart.append(chunk)
            case .diagnostics: state.diagnostics.append(chunk)
            }
            var resumptions = Resumptions()
            for (id, var waiter) in state.lineWaiters where waiter.stream == stream {
                let captured = stream == .uart ? state.uart : state.diagnostics
                if let line = captured.firstLine(containing: waiter.needle, from: &waiter.offset) {
                    state.lineWaiters[id] = nil
                    resumptions.lines.append((waiter.continuation, .success(line)))
                } else {
                    state.lineWaiters[id] = waiter
                }
            }
            return resumptions
        }
        resumptions.run()
        if stream == .uart, let observer { observer(Array(chunk)) }
        if stream == .diagnostics, let diagnosticsObserver { diagnosticsObserver(Array(chunk)) }
    }

    var uartBytes: [UInt8] { state.withLock { $0.uart.bytes } }
    var diagnosticsText: String { state.withLock { String(decoding: $0.diagnostics.bytes, as: UTF8.self) } }

    // MARK: Waiting

    /// The first complete line on `stream` containing `needle`, searched from the start.
    func waitForLine(containing needle: String, on stream: Stream,
                     timeout: Duration) async -> Result<String, QEMURigError> {
        if stream == .uart && !capturesUART {
            return .failure(.lineNotSeen(needle: needle, reason: .outputNotCaptured))
        }
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                register(LineWaiter(stream: stream, needle: Array(needle.utf8), needleText: needle,
                                    continuation: continuation), id: id, timeout: timeout)
            }
        } onCancel: {
            failLineWaiter(id, with: .cancelled)
        }
    }

    private func register(_ waiter: LineWaiter, id: UInt64, timeout: Duration) {
        var waiter = waiter
        let immediate = state.withLock { state -> Result<String, QEMURigError>? in
            if Task.isCancelled { return .failure(.cancelled) }
            let captured = waiter.stream == .uart ? state.uart : state.diagnostics
            if let line = captured.firstLine(containing: waiter.needle, from: &waiter.offset) {
                return .success(line)
            }
            if state.result != nil {
                return .failure(.lineNotSeen(needle: waiter.needleText, reason: .boardEnded))
            }
            state.lineWaiters[id] = waiter
            return nil
        }
        if let immediate {
            waiter.continuation.resume(returning: immediate)
            return
        }
        let needleText = waiter.needleText
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.dispatchInterval) { [weak self] in
            self?.failLineWaiter(id, with: .lineNotSeen(needle: needleText,
                                                        reason: .deadlinePassed(timeout)))
        }
    }

    private func failLineWaiter(_ id: UInt64, with error: QEMURigError) {
        let waiter = state.withLock { $0.lineWaiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: .failure(error))
    }

    /// Waits until QEMU has been reaped and its streams drained.
    func result() async -> QEMURunResult {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state -> QEMURunResult? in
                if let result = state.result { return result }
                state.resultWaiters.append(continuation)
                return nil
            }
            if let finished { continuation.resume(returning: finished) }
        }
    }

    // MARK: Finishing

    private struct Resumptions {
        var lines: [(CheckedContinuation<Result<String, QEMURigError>, Never>, Result<String, QEMURigError>)] = []
        var results: [(CheckedContinuation<QEMURunResult, Never>)] = []
        var finalResult: QEMURunResult?
        var directoryToRemove: URL?

        /// Cleans up before resuming anyone, since a resumed caller may exit the process.
        func run() {
            if let directoryToRemove { try? FileManager.default.removeItem(at: directoryToRemove) }
            for (continuation, value) in lines { continuation.resume(returning: value) }
            if let finalResult {
                for continuation in results { continuation.resume(returning: finalResult) }
            }
        }
    }

    private func finishIfDone(_ state: inout State) -> Resumptions {
        guard state.result == nil, state.openReaders == 0, let reapedAt = state.reapedAt,
              case .reaped(let pid) = state.phase else {
            return Resumptions()
        }
        let result = QEMURunResult(
            board: board,
            processID: pid,
            termination: state.endRequest ?? Self.termination(waitStatus: state.waitStatus),
            output: state.uart.bytes,
            droppedOutputBytes: state.uart.droppedBytes,
            diagnostics: String(decoding: state.diagnostics.bytes, as: UTF8.self),
            wallTime: reapedAt - launchedAt)
        state.result = result
        var resumptions = Resumptions()
        resumptions.finalResult = result
        resumptions.results = state.resultWaiters
        state.resultWaiters = []
        resumptions.lines = state.lineWaiters.values.map {
            ($0.continuation, .failure(.lineNotSeen(needle: $0.needleText, reason: .boardEnded)))
        }
        state.lineWaiters = [:]
        resumptions.directoryToRemove = privateDirectory
        return resumptions
    }

    /// Decodes a `waitpid` status (`WIFEXITED` / `WTERMSIG` from `<sys/wait.h>`).
    private static func termination(waitStatus: Int32) -> QEMUTermination {
        let signal = waitStatus & 0x7F
        return signal == 0 ? .exited(status: (waitStatus >> 8) & 0xFF) : .killedBySignal(signal)
    }
}

extension Duration {
    /// This duration rounded up to whole milliseconds, as `poll` takes it.
    var pollMilliseconds: Int32 {
        Int32(clamping: Int64((self / .milliseconds(1)).rounded(.up)))
    }

    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}

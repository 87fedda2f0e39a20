/// How a run ended.
public enum QEMUTermination: Sendable, Equatable, CustomStringConvertible {
    /// QEMU exited by itself. After a semihosting SYS_EXIT this is the firmware's status; QEMU's
    /// own failures (bad arguments, guest lock-up) also land here with their message in
    /// ``QEMURunResult/diagnostics``.
    case exited(status: Int32)
    /// The run exceeded its ``QEMULaunchOptions/timeLimit`` and was stopped.
    case timedOut(limit: Duration)
    /// The caller stopped the board (``QEMUSession/stop()``, or the session was released).
    case stopped
    /// The Swift task waiting for the run was cancelled, and the board was stopped.
    case cancelled
    /// Something other than the rig killed QEMU with this signal.
    case killedBySignal(Int32)

    public var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .timedOut(let limit): "timed out after \(limit)"
        case .stopped: "stopped"
        case .cancelled: "cancelled"
        case .killedBySignal(let signal): "killed by signal \(signal)"
        }
    }
}

/// What one run of a board produced.
public struct QEMURunResult: Sendable {
    /// The board that ran.
    public var board: QEMUBoard
    /// QEMU's process ID (also its process group and session ID), for checking it is gone.
    public var processID: Int32
    /// How the run ended.
    public var termination: QEMUTermination
    /// UART output, at most ``QEMURigLimits/capturedOutputBytesMax`` bytes; empty when the
    /// UART was not captured.
    public var output: [UInt8]
    /// Output bytes that arrived beyond the limit and were dropped.
    public var droppedOutputBytes: Int
    /// QEMU's own messages (and, outside captured mode, the semihosting console).
    public var diagnostics: String
    /// From launch until QEMU was reaped.
    public var wallTime: Duration

    /// The firmware's exit status, when QEMU exited by itself.
    public var exitStatus: Int32? {
        if case .exited(let status) = termination { status } else { nil }
    }

    /// Whether the run was stopped for exceeding its time limit.
    public var timedOut: Bool {
        if case .timedOut = termination { true } else { false }
    }

    /// ``output`` as UTF-8 text (invalid sequences replaced).
    public var outputText: String { String(decoding: output, as: UTF8.self) }
}

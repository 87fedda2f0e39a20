/// What went wrong while preparing, starting or talking to an emulated board.
///
/// Each description names what failed and, where there is one, the command that fixes it.
public enum QEMURigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `qemu-system-arm` is not on `PATH` (or not at the given path).
    case qemuNotInstalled(searched: String)
    /// `setpriv` (util-linux), which ties QEMU's life to the rig's, is not installed.
    case setprivNotInstalled(searched: String)
    /// No board has this machine name.
    case unknownBoard(String)
    /// The firmware image does not exist; `buildCommand` makes it.
    case firmwareMissing(path: String, buildCommand: String)
    /// The file exists but is not a 32-bit Arm ELF executable.
    case firmwareNotArmELF(path: String)
    /// The state directory could not be created.
    case stateDirectoryUnusable(path: String, errno: Int32)
    /// A Unix socket path would exceed ``QEMURigLimits/unixSocketPathBytesMax``.
    case socketPathTooLong(String)
    /// A system call the rig depends on failed.
    case systemCallFailed(call: String, errno: Int32)
    /// QEMU started but did not get the board running; `diagnostics` is what QEMU printed.
    case startupFailed(reason: String, diagnostics: String)
    /// The awaited line did not appear: the deadline passed or the board ended first.
    case lineNotSeen(needle: String, reason: LineWaitFailure)
    /// Input could not be delivered to the board's UART.
    case sendFailed(reason: String)
    /// The waiting Swift task was cancelled.
    case cancelled

    /// Why ``QEMUSession/waitForLine(containing:timeout:)`` gave up.
    public enum LineWaitFailure: Sendable, Equatable, CustomStringConvertible {
        case deadlinePassed(Duration)
        case boardEnded
        case outputNotCaptured

        public var description: String {
            switch self {
            case .deadlinePassed(let limit): "not seen within \(limit)"
            case .boardEnded: "the board ended before printing it"
            case .outputNotCaptured: "this session does not capture UART output"
            }
        }
    }

    public var description: String {
        switch self {
        case .qemuNotInstalled(let searched):
            "qemu-system-arm not found (searched \(searched)); install it with `apt-get install qemu-system-arm`"
        case .setprivNotInstalled(let searched):
            "setpriv not found (searched \(searched)); install it with `apt-get install util-linux`"
        case .unknownBoard(let name):
            "unknown board '\(name)'; known boards: "
                + QEMUBoard.allCases.map(\.rawValue).joined(separator: ", ")
        case .firmwareMissing(let path, let buildCommand):
            "firmware image \(path) does not exist; build it with `\(buildCommand)`"
        case .firmwareNotArmELF(let path):
            "\(path) is not a 32-bit Arm ELF executable"
        case .stateDirectoryUnusable(let path, let errno):
            "cannot create state directory \(path): \(errnoText(errno))"
        case .socketPathTooLong(let path):
            "socket path \(path) is longer than \(QEMURigLimits.unixSocketPathBytesMax) bytes"
        case .systemCallFailed(let call, let errno):
            "\(call) failed: \(errnoText(errno))"
        case .startupFailed(let reason, let diagnostics):
            diagnostics.isEmpty
                ? "QEMU did not start the board: \(reason)"
                : "QEMU did not start the board: \(reason); QEMU said:\n\(diagnostics)"
        case .lineNotSeen(let needle, let reason):
            "line containing '\(needle)' \(reason)"
        case .sendFailed(let reason):
            "cannot send to the board's UART: \(reason)"
        case .cancelled:
            "cancelled"
        }
    }
}

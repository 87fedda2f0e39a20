/// Every bound the rig enforces, in one place.
public enum QEMURigLimits {
    /// Most UART bytes a run keeps; later bytes are drained and counted, not stored.
    public static let capturedOutputBytesMax = 4 << 20
    /// Most bytes of QEMU's own messages (and, outside captured mode, semihosting console) kept.
    public static let diagnosticsBytesMax = 64 << 10
    /// How long QEMU may take to announce its pty or socket and accept the resume command.
    public static let startupTimeout: Duration = .seconds(10)
    /// How long QEMU gets between SIGTERM and SIGKILL when the rig stops it.
    public static let terminationGracePeriod: Duration = .seconds(1)
    /// How long ``QEMUSession/send(_:)`` waits for a board that does not drain its UART input.
    public static let sendTimeout: Duration = .seconds(2)
    /// Longest Unix socket path (`sockaddr_un.sun_path` is 108 bytes with its terminator).
    public static let unixSocketPathBytesMax = 107

    /// How often the rig wakes QEMU's main loop while UART input may be waiting
    /// (see `MainLoopKicker`); on a pty board, always.
    public static let mainLoopKickInterval: Duration = .milliseconds(2)

    /// Bytes read from QEMU per system call.
    static let readChunkBytes = 16 << 10
    /// How often a reader checks whether QEMU has ended while its stream is quiet.
    static let readerPollIntervalMilliseconds: Int32 = 50
    /// Most bytes of one QMP reply line the rig reads before giving up on it.
    static let qmpReplyBytesMax = 64 << 10
}

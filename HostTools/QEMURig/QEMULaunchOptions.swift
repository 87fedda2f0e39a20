import Foundation

/// Everything that decides how one board is booted.
public struct QEMULaunchOptions: Sendable {
    /// The board to emulate.
    public var board: QEMUBoard
    /// The firmware ELF, loaded with `-kernel`.
    public var firmware: URL
    /// How UART0 reaches the host.
    public var uart: UARTConnection
    /// QEMU's working directory, where semihosting file I/O (the board's flash page) lands.
    /// Created if missing. `nil`: a private directory that is removed when the run ends.
    public var stateDirectory: URL?
    /// Wall-clock limit from launch; QEMU is stopped and the run reported as timed out after it.
    /// `nil`: no limit.
    public var timeLimit: Duration?
    /// Runs under `-icount shift=7,align=off,sleep=off`: one instruction is 2^7 ns of virtual
    /// time, so CMSDK Timer0 (25 MHz) counts instructions × 128 / 40 and results are repeatable.
    public var countsInstructions: Bool
    /// With ``countsInstructions``: let virtual time run at wall-clock speed while the core
    /// sleeps (`sleep=on`) instead of jumping to the next timer deadline. Needed when the
    /// board waits for a real peer (the gateway): with `sleep=off` its timeouts would expire
    /// in no wall time at all. Instructions are then counted from the timer only while the
    /// core is awake (the firmware subtracts its sleeps).
    public var idleRunsInRealTime = false
    /// The QEMU executable; `nil` looks `qemu-system-arm` up on `PATH`.
    public var qemuExecutable: URL?
    /// Called on a reader thread with each chunk of UART output as it arrives, including bytes
    /// beyond ``QEMURigLimits/capturedOutputBytesMax``.
    public var outputObserver: (@Sendable ([UInt8]) -> Void)?
    /// Called on a reader thread with each chunk of QEMU's messages as it arrives — with UART0
    /// on a pty or socket, that includes the board's log (its semihosting console).
    public var diagnosticsObserver: (@Sendable ([UInt8]) -> Void)? = nil

    public init(board: QEMUBoard,
                firmware: URL,
                uart: UARTConnection = .captured,
                stateDirectory: URL? = nil,
                timeLimit: Duration? = nil,
                countsInstructions: Bool = false,
                qemuExecutable: URL? = nil,
                outputObserver: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.board = board
        self.firmware = firmware
        self.uart = uart
        self.stateDirectory = stateDirectory
        self.timeLimit = timeLimit
        self.countsInstructions = countsInstructions
        self.qemuExecutable = qemuExecutable
        self.outputObserver = outputObserver
    }
}

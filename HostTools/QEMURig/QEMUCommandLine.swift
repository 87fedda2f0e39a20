/// QEMU's arguments for one run (without the executable).
///
/// Seen to work with QEMU 7.2 on all three boards: `-nodefaults` keeps UART0 wired to
/// `-serial` (on MPS2 it also leaves the on-board LAN9118 without a network, which QEMU notes
/// as "nic lan9118.0 has no peer" in the diagnostics); `target=native` semihosting turns
/// SYS_EXIT / SYS_EXIT_EXTENDED into QEMU's exit status, also on the Cortex-M0 micro:bit.
public struct QEMUCommandLine: Sendable, Equatable {
    /// The arguments, in order.
    public var arguments: [String]

    /// QEMU's `-icount` setting for instruction counting (see ``QEMULaunchOptions/countsInstructions``).
    public static let instructionCounting = "shift=7,align=off,sleep=off"
    /// The same, but a sleeping core's virtual time follows the wall clock (see
    /// ``QEMULaunchOptions/idleRunsInRealTime``).
    public static let instructionCountingRealTimeIdle = "shift=7,align=off,sleep=on"
    /// Semihosting on, served by QEMU itself.
    public static let semihosting = "enable=on,target=native"
    /// The chardev ID of the rig's QMP control channel.
    static let controlChardevID = "rigctl"

    /// - Parameters:
    ///   - firmwarePath: absolute, since QEMU runs in the state directory.
    ///   - uartSocketPath: where QEMU serves UART0 for ``UARTConnection/unixSocket``.
    ///   - controlPipePath: the rig's QMP channel, FIFOs `<path>.in` and `<path>.out` (see
    ///     `ControlChannel`).
    public init(board: QEMUBoard, firmwarePath: String, uart: UARTConnection,
                countsInstructions: Bool, idleRunsInRealTime: Bool = false, uartSocketPath: String,
                controlPipePath: String) {
        var arguments = [
            "-M", board.machine,
            "-nographic", "-nodefaults", "-monitor", "none",
            "-semihosting-config", Self.semihosting,
            "-kernel", firmwarePath,
            "-chardev", "pipe,id=\(Self.controlChardevID),path=\(controlPipePath)",
            "-mon", "chardev=\(Self.controlChardevID),mode=control",
        ]
        switch uart {
        case .captured:
            arguments += ["-serial", "stdio"]
        case .pty:
            // Paused (-S) until the rig has opened the pty: QEMU drops pty output nobody holds.
            arguments += ["-serial", "pty", "-S"]
        case .unixSocket:
            // wait=on: the machine is not built until the rig has connected.
            arguments += ["-chardev", "socket,id=uart0,path=\(uartSocketPath),server=on,wait=on",
                          "-serial", "chardev:uart0"]
        }
        if countsInstructions {
            arguments += ["-icount", idleRunsInRealTime ? Self.instructionCountingRealTimeIdle : Self.instructionCounting]
        }
        self.arguments = arguments
    }
}

/// How the board's UART0 reaches the host.
public enum UARTConnection: Sendable, Equatable {
    /// UART0 on QEMU's stdio: output captured by the rig, input through ``QEMUSession/send(_:)``.
    case captured
    /// UART0 on a pseudo-terminal (`-serial pty`) that another program, such as the gateway,
    /// opens by ``QEMUSession/ptyPath``.
    ///
    /// The board is held paused until the rig has opened the pty, so nothing printed at boot is
    /// lost. With `capture` the rig also reads the pty, which makes it compete with any other
    /// reader: capture when the rig is the only reader, leave it off when the gateway reads.
    case pty(capture: Bool)
    /// UART0 on a Unix socket that QEMU serves and the rig connects to before the board runs;
    /// output captured, input through ``QEMUSession/send(_:)``.
    case unixSocket

    /// Whether the rig's UART descriptor is a socket (written with `send`) rather than a pty.
    var isSocket: Bool {
        if case .pty = self { false } else { true }
    }

    /// Whether the rig records the UART output of this connection.
    var isCaptured: Bool {
        switch self {
        case .captured, .unixSocket: true
        case .pty(let capture): capture
        }
    }
}

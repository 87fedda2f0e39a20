#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opens a serial device (a USB CDC-ACM port, a UART, or a QEMU board's pty) for framed
/// CoAP: raw mode, the configured baud rate, no modem control, non-blocking.
public enum SerialPort {
    /// The baud rates termios has a constant for (Linux `Bnnn`), up to 4 Mbaud.
    static let speeds: [(rate: Int, speed: speed_t)] = [
        (1200, speed_t(B1200)), (2400, speed_t(B2400)), (4800, speed_t(B4800)), (9600, speed_t(B9600)),
        (19_200, speed_t(B19200)), (38_400, speed_t(B38400)), (57_600, speed_t(B57600)),
        (115_200, speed_t(B115200)), (230_400, speed_t(B230400)), (460_800, speed_t(B460800)),
        (500_000, speed_t(B500000)), (576_000, speed_t(B576000)), (921_600, speed_t(B921600)),
        (1_000_000, speed_t(B1000000)), (1_500_000, speed_t(B1500000)), (2_000_000, speed_t(B2000000)),
        (3_000_000, speed_t(B3000000)), (4_000_000, speed_t(B4000000)),
    ]

    public static var supportedBaudRates: [Int] { speeds.map(\.rate) }

    /// Opens `path` read-write in raw mode at `baudRate` and returns the descriptor (the
    /// caller owns it). O_NOCTTY: a board must never become the gateway's controlling
    /// terminal (a hang-up would send it SIGHUP).
    public static func open(path: String, baudRate: Int) throws(GatewayServerError) -> Int32 {
        guard let speed = speeds.first(where: { $0.rate == baudRate })?.speed else {
            throw .unsupportedBaudRate(path: path, baudRate: baudRate)
        }
        let descriptor = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .serialPort(path: path, reason: "cannot open: \(errnoText()) (does the device exist, and may this user open it? e.g. add the user to the dialout group)")
        }
        do throws(GatewayServerError) {
            try configure(descriptor, path: path, speed: speed)
        } catch {
            _ = close(descriptor)
            throw error
        }
        return descriptor
    }

    static func configure(_ descriptor: Int32, path: String, speed: speed_t) throws(GatewayServerError) {
        guard isatty(descriptor) == 1 else {
            throw .serialPort(path: path, reason: "not a terminal device (expected e.g. /dev/ttyACM0, /dev/ttyUSB0 or a /dev/pts/N)")
        }
        // Exclusive use: a second opener (another gateway, a stray `screen`) would steal bytes
        // from the frame stream. Best effort: root bypasses it.
        _ = ioctl(descriptor, UInt(TIOCEXCL))
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            throw .serialPort(path: path, reason: "tcgetattr: \(errnoText())")
        }
        // Raw: no line editing, no echo, no signals, no CR/NL translation, 8 data bits.
        cfmakeraw(&attributes)
        // CLOCAL: ignore modem control lines (a board has no carrier detect);
        // CREAD: enable the receiver.
        attributes.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        // One stop bit, no hardware flow control (boards do not wire RTS/CTS).
        attributes.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        // A read returns as soon as one byte is there and never waits on a timer; with
        // O_NONBLOCK an empty port gives EAGAIN and epoll tells NIO when bytes arrive.
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard cfsetspeed(&attributes, speed) == 0 else {
            throw .serialPort(path: path, reason: "cfsetspeed: \(errnoText())")
        }
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            throw .serialPort(path: path, reason: "tcsetattr: \(errnoText())")
        }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// A serial port flag value: `PATH` or `PATH@BAUD`.
public func parseSerialPortArgument(_ text: String, defaultBaudRate: Int = 115_200) -> (path: String, baudRate: Int)? {
    guard let at = text.lastIndex(of: "@") else {
        return text.isEmpty ? nil : (text, defaultBaudRate)
    }
    let path = String(text[..<at])
    guard !path.isEmpty, let rate = Int(text[text.index(after: at)...]), rate > 0 else { return nil }
    return (path, rate)
}

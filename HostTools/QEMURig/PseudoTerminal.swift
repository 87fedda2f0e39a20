#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The board side of `-serial pty`: QEMU owns the master, the rig and the gateway open the slave.
enum PseudoTerminal {
    /// What QEMU prints (on stdout) when it creates the pty: `char device redirected to
    /// /dev/pts/N (label serial0)`.
    static let announcement = "char device redirected to "

    /// The slave path in QEMU's announcement line.
    static func path(inAnnouncement line: String) -> String? {
        guard let start = line.range(of: announcement)?.upperBound else { return nil }
        let path = line[start...].prefix { $0 != " " }
        return path.hasPrefix("/dev/") ? String(path) : nil
    }

    /// Opens the slave for reading and writing, in raw mode, without making it a controlling
    /// terminal. Holding it open keeps QEMU from discarding output nobody has read yet.
    static func openSlave(_ path: String) throws(QEMURigError) -> Int32 {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCallFailed(call: "open \(path)", errno: errno) }
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            let code = errno
            close(descriptor)
            throw .systemCallFailed(call: "tcgetattr \(path)", errno: code)
        }
        cfmakeraw(&attributes)
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            let code = errno
            close(descriptor)
            throw .systemCallFailed(call: "tcsetattr \(path)", errno: code)
        }
        return descriptor
    }
}

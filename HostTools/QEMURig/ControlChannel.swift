import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The rig's QMP channel into QEMU: two FIFOs (`-chardev pipe`), `<path>.in` for requests and
/// `<path>.out` for replies.
///
/// FIFOs rather than a socket: both ends are opened before QEMU starts, so there is nothing
/// to wait for or retry, and no socket path length to respect.
struct ControlChannel: Sendable {
    /// Rig → QEMU.
    let requests: Int32
    /// QEMU → rig.
    let replies: Int32

    /// Creates the FIFOs and opens both ends read-write and non-blocking, so that opening
    /// never waits for QEMU and writing never raises SIGPIPE.
    static func create(at path: String) throws(QEMURigError) -> ControlChannel {
        var descriptors: [Int32] = []
        for suffix in [".in", ".out"] {
            let fifo = path + suffix
            guard mkfifo(fifo, 0o600) == 0 else {
                let code = errno
                for descriptor in descriptors { close(descriptor) }
                throw .systemCallFailed(call: "mkfifo \(fifo)", errno: code)
            }
            let descriptor = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else {
                let code = errno
                for descriptor in descriptors { close(descriptor) }
                throw .systemCallFailed(call: "open \(fifo)", errno: code)
            }
            descriptors.append(descriptor)
        }
        return ControlChannel(requests: descriptors[0], replies: descriptors[1])
    }

    /// Discards whatever QEMU has written (greeting, events) so the FIFO never fills.
    func drainReplies() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(replies, $0.baseAddress, $0.count) }) > 0 {}
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// File descriptor plumbing. Every descriptor is close-on-exec, so QEMUs started concurrently
/// by other sessions never inherit another session's pipes.
enum Descriptors {
    /// A one-way channel: `(read, write)`. A socket pair rather than a pipe, because Swift
    /// does not import `pipe2` and `pipe` + `fcntl` would leave a window in which a
    /// concurrently spawned process inherits the descriptors.
    static func pipe() throws(QEMURigError) -> (read: Int32, write: Int32) {
        let pair = try socketPair()
        shutdown(pair.rig, Int32(SHUT_WR))
        shutdown(pair.child, Int32(SHUT_RD))
        return (pair.rig, pair.child)
    }

    /// A connected stream socket pair, used as QEMU's stdin so that writes after QEMU has
    /// gone raise no SIGPIPE (`send` with `MSG_NOSIGNAL`).
    static func socketPair() throws(QEMURigError) -> (rig: Int32, child: Int32) {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            throw .systemCallFailed(call: "socketpair", errno: errno)
        }
        return (ends[0], ends[1])
    }

    static func openNull() throws(QEMURigError) -> Int32 {
        let descriptor = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw .systemCallFailed(call: "open /dev/null", errno: errno) }
        return descriptor
    }

    static func setNonBlocking(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    }

    /// Writes all of `bytes`, waiting for room at most `timeout`. Uses `send` (no SIGPIPE) on
    /// sockets and `write` on terminals.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, isSocket: Bool,
                         timeout: Duration) -> Result<Void, QEMURigError> {
        let deadline = ContinuousClock.now + timeout
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { buffer in
                isSocket ? send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                         : write(descriptor, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                written += count
                continue
            }
            let code = errno
            guard count < 0, code == EAGAIN || code == EINTR else {
                return .failure(.sendFailed(reason: "write: \(errnoText(code))"))
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                return .failure(.sendFailed(reason: "the board did not take its input within \(timeout)"))
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, remaining.pollMilliseconds)
        }
        return .success(())
    }
}

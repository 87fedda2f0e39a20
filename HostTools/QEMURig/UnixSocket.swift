#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A client connection to a Unix stream socket that QEMU serves.
enum UnixSocket {
    /// Connects to `path`; returns the connected descriptor, or the `errno` of the failed step.
    static func dial(_ path: String) -> Result<Int32, QEMURigError> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count <= QEMURigLimits.unixSocketPathBytesMax else {
            return .failure(.socketPathTooLong(path))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_UNIX, type, 0)
        guard descriptor >= 0 else { return .failure(.systemCallFailed(call: "socket", errno: errno)) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            close(descriptor)
            return .failure(.systemCallFailed(call: "connect \(path)", errno: code))
        }
        return .success(descriptor)
    }

    /// Connects to `path`, retrying while QEMU has yet to create it, until `deadline`.
    static func dial(_ path: String, before deadline: ContinuousClock.Instant,
                        core: SessionCore) async -> Result<Int32, QEMURigError> {
        let retryInterval = Duration.milliseconds(10)
        while true {
            let attempt = dial(path)
            if case .success = attempt { return attempt }
            if core.hasEnded || ContinuousClock.now >= deadline { return attempt }
            do { try await Task.sleep(for: retryInterval) } catch { return .failure(.cancelled) }
        }
    }

    /// Checks that a socket path fits `sockaddr_un`.
    static func validate(_ path: String) throws(QEMURigError) {
        guard path.utf8.count <= QEMURigLimits.unixSocketPathBytesMax else { throw .socketPathTooLong(path) }
    }
}

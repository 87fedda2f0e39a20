#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The systemd notify protocol (sd_notify(3)), without libsystemd: one datagram with
/// newline-separated assignments to the AF_UNIX socket named in `NOTIFY_SOCKET`. A unit with
/// `Type=notify` counts the gateway as started at `READY=1`, so units ordered after it start
/// once its ports are open.
public enum SystemdNotifier {
    /// Sends `state` (e.g. "READY=1") if `NOTIFY_SOCKET` is set. Returns whether it was sent;
    /// failures are not errors (the gateway works the same without systemd).
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return send(state, to: String(cString: value))
    }

    /// `socketPath` is a filesystem path or, starting with "@", a Linux abstract socket name.
    static func send(_ state: String, to socketPath: String) -> Bool {
        var pathBytes = Array(socketPath.utf8)
        guard let first = pathBytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return false }
        if first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in pathBytes.enumerated() { raw[i] = byte }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // An abstract name's length counts exactly its bytes; a path's includes the NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (first == UInt8(ascii: "@") ? 0 : 1)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        return sent == message.count
    }
}

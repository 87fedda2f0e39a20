/// Where a datagram came from and where its answer goes: a UDP peer or a serial port.
/// The gateway keys rate limits, half-open handshakes and Echo challenges by it.
public enum PeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// A UDP peer, `host` as printed by the transport ("127.0.0.1", "::1").
    case udp(host: String, port: Int)
    /// A board on a serial port (the device path, e.g. "/dev/ttyACM0" or a QEMU pty).
    case serial(path: String)

    public var description: String {
        switch self {
        case .udp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .serial(let path): "serial:\(path)"
        }
    }
}

import NIOCore
import RampartGateway

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A "host:port" from the configuration: `127.0.0.1:5683`, `[::1]:5683`, `localhost:5690`,
/// `0.0.0.0:5683`. Port 0 asks the kernel for a free port (tests read it back).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses "host:port"; an IPv6 host is written in brackets.
    public init(parsing text: String) throws(GatewayServerError) {
        let trimmed = text.trimmingWhitespace
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"),
                  trimmed[trimmed.index(after: close)...].hasPrefix(":") else {
                throw .invalidListenAddress(text)
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else {
                throw .invalidListenAddress(text)
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw .invalidListenAddress(text)
        }
        self.init(host: String(host), port: port)
    }

    /// nil for an empty string (the endpoint is disabled), else the parsed address.
    public static func optional(_ text: String) throws(GatewayServerError) -> ListenAddress? {
        text.trimmingWhitespace.isEmpty ? nil : try ListenAddress(parsing: text)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The socket address to bind or connect to (a numeric host, or a name resolved now).
    public func socketAddress() throws(GatewayServerError) -> SocketAddress {
        do {
            if let numeric = try? SocketAddress(ipAddress: host, port: port) { return numeric }
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw .invalidListenAddress("\(description) (cannot resolve \(host))")
        }
    }

    /// Whether this address only accepts connections from this host.
    public func isLoopback() throws(GatewayServerError) -> Bool {
        try socketAddress().isLoopback
    }
}

extension SocketAddress {
    /// 127.0.0.0/8, ::1, or an IPv4-mapped 127.0.0.0/8 address.
    var isLoopback: Bool {
        switch self {
        case .v4(let address):
            return UInt32(bigEndian: address.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let address):
            var raw = address.address.sin6_addr
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            return bytes == loopback || (Array(bytes[0..<12]) == mappedPrefix && bytes[12] == 127)
        case .unixDomainSocket:
            return false
        }
    }

    /// "127.0.0.1:5683" or "[::1]:5683", for logs.
    var displayText: String {
        guard let ip = ipAddress, let port else { return "\(self)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// The address the engine keys its per-peer state by.
    var udpPeer: PeerAddress {
        .udp(host: ipAddress ?? "?", port: port ?? 0)
    }
}

extension StringProtocol {
    var trimmingWhitespace: Substring {
        let scalars = Substring(self)
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return scalars[first...last]
    }
}

import Foundation
import RampartGateway

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A minimal HTTP/1.1 client for the gateway's admin API (what `rampart action` uses): one
/// request per connection over a blocking socket with timeouts. The API is on loopback and
/// answers with `Connection: close`, so the reply is everything read until end of stream.
public struct AdminClient: Sendable {
    public let address: ListenAddress
    /// nil sends no Authorization header.
    let token: BearerTokenValue?
    public var timeoutSeconds: Int = 10
    /// Replies larger than this are refused (the API's are a few hundred bytes).
    static let maxReplyBytes = 1 << 20

    public init(address: ListenAddress, token: String?) {
        self.address = address
        self.token = token.map(BearerTokenValue.init)
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Applies `action` to the device `kid` through the running gateway.
    public func perform(_ action: GatewayAction, kid: [UInt8], reason: String) throws(AdminClientError) -> ActionOutcome {
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(["reason": reason]))
        } catch {
            throw .protocolError("cannot encode the reason: \(error)")
        }
        let reply = try send(method: "POST", path: "/v1/devices/\(kid.hexString)/actions/\(action.rawValue)", body: body)
        return try decode(ActionOutcome.self, from: reply)
    }

    /// The device's registry status and live session.
    public func deviceState(kid: [UInt8]) throws(AdminClientError) -> DeviceState {
        try decode(DeviceState.self, from: try send(method: "GET", path: "/v1/devices/\(kid.hexString)"))
    }

    /// GET /v1/health.
    public func health() throws(AdminClientError) -> AdminAPI.Health {
        try decode(AdminAPI.Health.self, from: try send(method: "GET", path: "/v1/health"))
    }

    /// Sends one request and returns the status and body, whatever the status.
    public func send(method: String, path: String, body: [UInt8] = []) throws(AdminClientError) -> Reply {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\n"
        request += "User-Agent: rampart\r\nAccept: application/json\r\n"
        if let token { request += "Authorization: Bearer \(token.text)\r\n" }
        if !body.isEmpty || method == "POST" {
            request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        request += "\r\n"
        let raw = try exchange(Array(request.utf8) + body)
        return try Self.parse(raw)
    }

    private func decode<T: Decodable>(_ type: T.Type, from reply: Reply) throws(AdminClientError) -> T {
        guard reply.status == 200 else {
            let message = (try? JSONDecoder().decode([String: String].self, from: Data(reply.body)))?["error"] ?? reply.text
            switch reply.status {
            case 401: throw .unauthorized(address: address.description)
            case 404: throw .notFound(message)
            case 400: throw .badRequest(message)
            default: throw .server(status: reply.status, message: message)
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body))
        } catch {
            throw .protocolError("unexpected answer from the gateway: \(reply.text)")
        }
    }

    /// Connects, writes `request`, reads to end of stream.
    private func exchange(_ request: [UInt8]) throws(AdminClientError) -> [UInt8] {
        let socketAddress: SocketAddressStorage
        do {
            socketAddress = try SocketAddressStorage(address)
        } catch {
            throw .protocolError("\(error)")
        }
        let descriptor = socket(Int32(socketAddress.family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .io("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard socketAddress.connect(descriptor) == 0 else {
            let code = errno
            if code == ECONNREFUSED { throw .notRunning(address: address.description) }
            throw .io("connect to \(address): \(String(cString: strerror(code)))")
        }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw .io("send to \(address): \(String(cString: strerror(errno)))") }
            sent += n
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    throw .io("no answer from the gateway at \(address) within \(timeoutSeconds) s")
                }
                throw .io("receive from \(address): \(String(cString: strerror(code)))")
            }
            reply += chunk[0..<n]
            guard reply.count <= Self.maxReplyBytes else { throw .protocolError("reply larger than \(Self.maxReplyBytes) bytes") }
        }
        return reply
    }

    /// Status line, headers, body (by Content-Length when given, else the rest).
    static func parse(_ raw: [UInt8]) throws(AdminClientError) -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, raw.count - 3)).first(where: { raw[$0..<$0 + 4].elementsEqual(separator) }) else {
            throw .protocolError(raw.isEmpty ? "the gateway closed the connection without answering" : "malformed HTTP reply")
        }
        let head = String(decoding: raw[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw .protocolError("malformed HTTP status line: \(head[0])")
        }
        var body = Array(raw[(end + 4)...])
        for line in head.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "content-length",
               let length = Int(pair[1].trimmingWhitespace), length <= body.count {
                body = Array(body[0..<length])
            }
        }
        return Reply(status: status, body: body)
    }
}

/// Holds the token text for the client (kept out of `description`).
struct BearerTokenValue: Sendable, CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = String(text.trimmingWhitespace) }
    var description: String { "redacted" }
}

/// Why `rampart action` could not do what it was asked; each says what to do.
public enum AdminClientError: Error, CustomStringConvertible, Equatable {
    case notRunning(address: String)
    case unauthorized(address: String)
    case notFound(String)
    case badRequest(String)
    case server(status: Int, message: String)
    case io(String)
    case protocolError(String)

    public var description: String {
        switch self {
        case .notRunning(let address):
            "no gateway is listening on \(address): start it (rampart gateway run) or pass the address it uses (--admin HOST:PORT)"
        case .unauthorized(let address):
            "the gateway on \(address) refused the admin token: pass the data directory that gateway uses (--data-dir DIR; the token is DIR/admin.token)"
        case .notFound(let message): message
        case .badRequest(let message): "the gateway refused the request: \(message)"
        case .server(let status, let message): "the gateway failed (HTTP \(status)): \(message)"
        case .io(let message): message
        case .protocolError(let message): message
        }
    }
}

/// A resolved IPv4 or IPv6 socket address for `connect(2)`.
struct SocketAddressStorage {
    let family: Int32
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init(_ address: ListenAddress) throws(GatewayServerError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &result) == 0, let first = result else {
            throw .invalidListenAddress("\(address) (cannot resolve \(address.host))")
        }
        defer { freeaddrinfo(result) }
        family = first.pointee.ai_family
        length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
    }

    func connect(_ descriptor: Int32) -> Int32 {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, length) }
        }
    }
}

import Foundation
import Logging
import NIOCore
import RampartGateway
import RampartGatewayServer
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Logs nothing (the tests check behaviour, not log lines).
let quietLogger = Logger(label: "rampart.test", factory: { _ in SwiftLogNoOpLogHandler() })

let testToken = "3f1c9a0d6b2e47c8a5d1e0f9b8c7d6e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9"

/// Every endpoint on loopback port 0, two event-loop threads, a fast tick, no systemd.
func testConfiguration() -> GatewayConfiguration {
    var configuration = GatewayConfiguration()
    configuration.udpListen = "127.0.0.1:0"
    configuration.adminListen = "127.0.0.1:0"
    configuration.metricsListen = "127.0.0.1:0"
    return configuration
}

func testOptions() -> GatewayServerOptions {
    var options = GatewayServerOptions()
    options.eventLoopThreads = 2
    options.tickInterval = .milliseconds(20)
    options.notifySystemd = false
    options.serialReopenDelay = .milliseconds(50)
    return options
}

func startTestServer(
    engine: FakeGatewayEngine, events: EventBus = EventBus(), configuration: GatewayConfiguration = testConfiguration(),
    token: String? = testToken
) async throws -> GatewayServer {
    try await GatewayServer.start(configuration: configuration, engine: engine, events: events,
                                  adminToken: token.flatMap(BearerToken.init), logger: quietLogger, options: testOptions())
}

extension SocketAddress {
    var listenAddress: ListenAddress { ListenAddress(host: ipAddress ?? "127.0.0.1", port: port ?? 0) }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}

/// A blocking UDP socket with a receive timeout: the device side of the UDP tests.
final class UDPTestSocket {
    let descriptor: Int32
    let family: Int32

    init(ipv6: Bool = false, receiveTimeoutMilliseconds: Int = 2000) throws {
        family = ipv6 ? AF_INET6 : AF_INET
        descriptor = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXFailure("socket", errno) }
        var timeout = timeval(tv_sec: receiveTimeoutMilliseconds / 1000, tv_usec: (receiveTimeoutMilliseconds % 1000) * 1000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8], to address: SocketAddress) throws {
        let sent = address.withSockAddr { pointer, length in
            sendto(descriptor, bytes, bytes.count, 0, pointer, socklen_t(length))
        }
        guard sent == bytes.count else { throw POSIXFailure("sendto", errno) }
    }

    /// The next datagram, or nil after the timeout.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(descriptor, &buffer, buffer.count, 0)
        return n >= 0 ? Array(buffer[0..<n]) : nil
    }

    /// The local port (after the first send bound it).
    var localPort: Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port are both at offset 2, in network order.
            Int(raw[2]) << 8 | Int(raw[3])
        }
    }
}

/// Whether a plain socket (no SO_REUSEADDR / SO_REUSEPORT) can bind `address` now: false
/// while anyone holds the port.
func portIsFree(_ address: SocketAddress, type: Int32) -> Bool {
    let descriptor = socket(Int32(address.protocol.rawValue), type, 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return address.withSockAddr { pointer, length in bind(descriptor, pointer, socklen_t(length)) } == 0
}

/// A loopback port nobody listens on (bound, read back, released).
func unusedLoopbackPort() throws -> Int {
    let probe = try UDPTestSocket()
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXFailure("bind", errno) }
    return probe.localPort
}

struct POSIXFailure: Error, CustomStringConvertible {
    let description: String
    init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
}

/// Lines of a Prometheus exposition as `series → value`.
func parseExposition(_ text: String) -> [String: Double] {
    var values: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        values[String(line[..<space])] = value
    }
    return values
}

/// GET /metrics from a running server.
func scrape(_ server: GatewayServer) throws -> [String: Double] {
    let address = try #require(server.metricsAddress).listenAddress
    let reply = try AdminClient(address: address, token: nil).send(method: "GET", path: "/metrics")
    #expect(reply.status == 200)
    return parseExposition(reply.text)
}

/// Runs `body` with a started server and shuts it down afterwards, whether `body` throws or not.
func withTestServer<T>(
    engine: FakeGatewayEngine, events: EventBus = EventBus(), configuration: GatewayConfiguration = testConfiguration(),
    token: String? = testToken, _ body: (GatewayServer) async throws -> T
) async throws -> T {
    let server = try await startTestServer(engine: engine, events: events, configuration: configuration, token: token)
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Records what a bus delivers, for checks that must not hang when an event never comes
/// (read `kinds` inside `eventually`). Call `bus.finish()` to end the recording task.
final class EventRecorder: Sendable {
    private let recorded = Mutex<[GatewayEvent.Kind]>([])

    init(_ bus: EventBus) {
        let stream = bus.subscribe()
        Task { [weak self] in
            for await event in stream { self?.recorded.withLock { $0.append(event.kind) } }
        }
    }

    var kinds: [GatewayEvent.Kind] { recorded.withLock { $0 } }
}

import NIOCore
import RampartGateway
import RampartGatewayServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Whether this host can bind ::1 (some containers have no IPv6).
let ipv6Loopback: Bool = {
    let descriptor = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    guard let address = try? SocketAddress(ipAddress: "::1", port: 0) else { return false }
    return address.withSockAddr { bind(descriptor, $0, socklen_t($1)) } == 0
}()

@Suite("CoAP over UDP transport")
struct UDPTransportTests {
    @Test("a datagram goes through the service and its answer comes back to the sender")
    func echoThroughService() async throws {
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine) { server in
            let udp = try #require(server.udpAddress)
            #expect(udp.port != 0)

            let client = try UDPTestSocket()
            for request: [UInt8] in [[0x40, 0x01, 0x12, 0x34], Array(0..<200)] {
                try client.send(request, to: udp)
                #expect(client.receive() == [FakeGatewayEngine.replyMarker] + request)
            }
            let sources = engine.received.map(\.source)
            #expect(sources == Array(repeating: PeerAddress.udp(host: "127.0.0.1", port: client.localPort), count: 2))
        }
    }

    @Test("no answer from the service sends nothing; the next request is still answered")
    func silentService() async throws {
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine) { server in
            let udp = try #require(server.udpAddress)
            let client = try UDPTestSocket()
            try client.send(FakeGatewayEngine.silentRequest, to: udp)
            try client.send([0x42], to: udp)
            // The first datagram back is the answer to the second request.
            #expect(client.receive() == [FakeGatewayEngine.replyMarker, 0x42])
            #expect(engine.received.map(\.bytes) == [FakeGatewayEngine.silentRequest, [0x42]])
        }
    }

    @Test("IPv6: [::1] is served and the peer is reported as ::1", .enabled(if: ipv6Loopback))
    func ipv6() async throws {
        let engine = FakeGatewayEngine()
        var configuration = testConfiguration()
        configuration.udpListen = "[::1]:0"
        try await withTestServer(engine: engine, configuration: configuration) { server in
            let udp = try #require(server.udpAddress)
            let client = try UDPTestSocket(ipv6: true)
            try client.send([0x51, 0x52], to: udp)
            #expect(client.receive() == [FakeGatewayEngine.replyMarker, 0x51, 0x52])
            #expect(engine.received.first?.source == .udp(host: "::1", port: client.localPort))
        }
    }

    @Test("a datagram over engine.maxDatagramBytes never reaches the engine and is counted")
    func oversizedDropped() async throws {
        let engine = FakeGatewayEngine()
        let events = EventBus()
        let recorder = EventRecorder(events)
        defer { events.finish() }
        var configuration = testConfiguration()
        configuration.engine.maxDatagramBytes = 100
        try await withTestServer(engine: engine, events: events, configuration: configuration) { server in
            let udp = try #require(server.udpAddress)
            let client = try UDPTestSocket()

            let oversized = [UInt8](repeating: 0x7A, count: 101)
            let atLimit = [UInt8](repeating: 0x7B, count: 100)
            try client.send(oversized, to: udp)
            try client.send([UInt8](repeating: 0x7C, count: 5000), to: udp)
            try client.send(atLimit, to: udp)
            #expect(client.receive() == [FakeGatewayEngine.replyMarker] + atLimit)
            #expect(engine.received.map(\.bytes) == [atLimit])

            let source = PeerAddress.udp(host: "127.0.0.1", port: client.localPort)
            let dropped = await eventually {
                recorder.kinds.filter {
                    if case .datagramDropped(source, .oversized) = $0 { true } else { false }
                }.count == 2
            }
            #expect(dropped, "events: \(recorder.kinds)")
            let counted = try await eventually {
                try scrape(server)["rampart_datagrams_dropped_total{reason=\"oversized\"}"] == 2
            }
            #expect(counted)
            #expect(try scrape(server)["rampart_datagrams_received_total{transport=\"udp\"}"] == 3)
        }
    }

    @Test("many peers at once over every event loop's socket: each gets its own answers")
    func manyPeers() async throws {
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine) { server in
            let udp = try #require(server.udpAddress)
            let clients = try (0..<16).map { _ in try UDPTestSocket() }
            for round in 0..<5 {
                for (index, client) in clients.enumerated() {
                    try client.send([UInt8(index), UInt8(round)], to: udp)
                }
                for (index, client) in clients.enumerated() {
                    #expect(client.receive() == [FakeGatewayEngine.replyMarker, UInt8(index), UInt8(round)])
                }
            }
            #expect(engine.received.count == 80)
        }
    }
}

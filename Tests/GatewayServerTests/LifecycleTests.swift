import Foundation
import NIOCore
import RampartGateway
@testable import RampartGatewayServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Start, housekeeping and shutdown")
struct LifecycleTests {
    @Test("shutdown closes every port: a second server binds the same ones afterwards")
    func portsReleased() async throws {
        let engine = FakeGatewayEngine()
        let first = try await startTestServer(engine: engine)
        let udp = try #require(first.udpAddress)
        let admin = try #require(first.adminAddress)
        let metrics = try #require(first.metricsAddress)
        // While it runs, nobody else gets the ports (SO_REUSEPORT does not let a plain socket in).
        #expect(!portIsFree(udp, type: Int32(SOCK_DGRAM.rawValue)))
        #expect(!portIsFree(admin, type: Int32(SOCK_STREAM.rawValue)))
        // An admin request leaves a connection behind to close, too.
        _ = try AdminClient(address: admin.listenAddress, token: testToken).health()
        await first.shutdown()
        await first.shutdown()  // idempotent

        #expect(portIsFree(udp, type: Int32(SOCK_DGRAM.rawValue)))
        var configuration = testConfiguration()
        configuration.udpListen = udp.listenAddress.description
        configuration.adminListen = admin.listenAddress.description
        configuration.metricsListen = metrics.listenAddress.description
        try await withTestServer(engine: engine, configuration: configuration) { second in
            #expect(second.udpAddress?.port == udp.port)
            #expect(second.adminAddress?.port == admin.port)
            let client = try UDPTestSocket()
            try client.send([0x01], to: udp)
            #expect(client.receive() == [FakeGatewayEngine.replyMarker, 0x01])
            #expect(try AdminClient(address: admin.listenAddress, token: testToken).health().status == "ok")
        }
    }

    @Test("a second gateway on a port in use fails to start instead of sharing it")
    func portInUse() async throws {
        try await withTestServer(engine: FakeGatewayEngine()) { first in
            var configuration = testConfiguration()
            configuration.udpListen = try #require(first.udpAddress).listenAddress.description
            await #expect {
                _ = try await startTestServer(engine: FakeGatewayEngine(), configuration: configuration)
            } throws: { error in
                guard case .bindFailed(let endpoint, _, _) = error as? GatewayServerError else { return false }
                return endpoint.contains("UDP")
            }
        }
    }

    @Test("a failed start leaves nothing open")
    func failedStartReleasesPorts() async throws {
        let port = try unusedLoopbackPort()
        var configuration = testConfiguration()
        configuration.udpListen = "127.0.0.1:\(port)"
        configuration.serialPorts = [.init(path: "/dev/rampart-no-such-tty")]
        await #expect(throws: GatewayServerError.self) {
            _ = try await startTestServer(engine: FakeGatewayEngine(), configuration: configuration)
        }
        #expect(portIsFree(try SocketAddress(ipAddress: "127.0.0.1", port: port), type: Int32(SOCK_DGRAM.rawValue)))
    }

    @Test("tick() runs periodically and stops with the server")
    func ticks() async throws {
        let engine = FakeGatewayEngine()
        let server = try await startTestServer(engine: engine)
        #expect(await eventually { engine.ticks >= 3 })
        await server.shutdown()
        let stopped = engine.ticks
        try await Task.sleep(for: .milliseconds(100))
        #expect(engine.ticks == stopped)
    }

    @Test("the metrics and event-log subscribers leave the bus at shutdown")
    func subscriberLeaves() async throws {
        let events = EventBus()
        let server = try await startTestServer(engine: FakeGatewayEngine(), events: events)
        #expect(events.subscriberCount == 2)
        await server.shutdown()
        #expect(await eventually { events.subscriberCount == 0 })
    }

    @Test("systemd notify: the state arrives as one datagram on the unix socket")
    func systemdNotify() throws {
        let directory = FileManager.default.temporaryDirectory.appending(component: "rampart-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(component: "notify").path
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)

        #expect(SystemdNotifier.send("READY=1\nSTATUS=serving", to: path))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(n > 0 && String(decoding: buffer[0..<max(0, n)], as: UTF8.self) == "READY=1\nSTATUS=serving")
        #expect(!SystemdNotifier.send("READY=1", to: "relative/path"))
    }
}

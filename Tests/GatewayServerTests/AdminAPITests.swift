import Foundation
import RampartGateway
import RampartGatewayServer
import Testing

@Suite("Admin API (loopback, bearer token)")
struct AdminAPITests {
    static let device: [UInt8] = [0x0A, 0x1B]

    func client(_ server: GatewayServer, token: String? = testToken) throws -> AdminClient {
        AdminClient(address: try #require(server.adminAddress).listenAddress, token: token)
    }

    @Test("every route answers 401 without the token or with a wrong one")
    func unauthorized() async throws {
        let engine = FakeGatewayEngine(devices: [Self.device])
        try await withTestServer(engine: engine) { server in
            let wrong = String(testToken.dropLast()) + "0"
            for token in [nil, wrong, "", testToken + "0", String(testToken.prefix(10))] {
                let api = try client(server, token: token)
                #expect(try api.send(method: "GET", path: "/v1/health").status == 401)
                #expect(try api.send(method: "GET", path: "/v1/devices/0a1b").status == 401)
                let post = try api.send(method: "POST", path: "/v1/devices/0a1b/actions/quarantine",
                                        body: Array(#"{"reason":"x"}"#.utf8))
                #expect(post.status == 401)
                #expect(throws: AdminClientError.unauthorized(address: try #require(server.adminAddress).listenAddress.description)) {
                    try api.perform(.quarantine, kid: Self.device, reason: "x")
                }
            }
            #expect(engine.actions.isEmpty)
        }
    }

    @Test("health reports the engine's session and half-open counts")
    func health() async throws {
        let engine = FakeGatewayEngine(sessionCount: 12, halfOpenCount: 5)
        try await withTestServer(engine: engine) { server in
            let health = try client(server).health()
            #expect(health == AdminAPI.Health(status: "ok", sessions: 12, halfOpen: 5))
        }
    }

    @Test("an action reaches ResponseActions with its reason; repeating it changes nothing")
    func actionRouted() async throws {
        let engine = FakeGatewayEngine(devices: [Self.device])
        try await withTestServer(engine: engine) { server in
            let api = try client(server)
            let first = try api.perform(.quarantine, kid: Self.device, reason: "replayed message_1")
            #expect(first == ActionOutcome(action: .quarantine, kid: Self.device, changed: true, sessionDropped: false))
            let again = try api.perform(.quarantine, kid: Self.device, reason: "again")
            #expect(again.changed == false)
            #expect(engine.actions == [
                .init(action: .quarantine, kid: Self.device, reason: "replayed message_1"),
                .init(action: .quarantine, kid: Self.device, reason: "again"),
            ])
            #expect(try api.deviceState(kid: Self.device).status == .quarantined)
            _ = try api.perform(.release, kid: Self.device, reason: "cleared")
            #expect(try api.deviceState(kid: Self.device).status == .active)
        }
    }

    @Test("an unknown device is 404, for actions and for state")
    func unknownDevice() async throws {
        let engine = FakeGatewayEngine(devices: [Self.device])
        try await withTestServer(engine: engine) { server in
            let api = try client(server)
            let reply = try api.send(method: "POST", path: "/v1/devices/ffee/actions/force-rekey",
                                     body: Array(#"{"reason":"test"}"#.utf8))
            #expect(reply.status == 404)
            #expect(reply.text.contains("ffee"))
            #expect(throws: AdminClientError.self) { try api.deviceState(kid: [0xFF, 0xEE]) }
            #expect(try api.send(method: "GET", path: "/v1/devices/ffee").status == 404)
            #expect(engine.actions.isEmpty)
        }
    }

    @Test("bad action, bad kid, bad body, wrong method and unknown routes are refused")
    func badRequests() async throws {
        let engine = FakeGatewayEngine(devices: [Self.device])
        try await withTestServer(engine: engine) { server in
            let api = try client(server)
            let reason = Array(#"{"reason":"test"}"#.utf8)
            #expect(try api.send(method: "POST", path: "/v1/devices/0a1b/actions/explode", body: reason).status == 400)
            #expect(try api.send(method: "POST", path: "/v1/devices/0a1/actions/quarantine", body: reason).status == 400)
            #expect(try api.send(method: "POST", path: "/v1/devices/xyz0/actions/quarantine", body: reason).status == 400)
            #expect(try api.send(method: "POST", path: "/v1/devices/0a1b/actions/quarantine", body: []).status == 400)
            #expect(try api.send(method: "POST", path: "/v1/devices/0a1b/actions/quarantine",
                                 body: Array(#"{"reason":"   "}"#.utf8)).status == 400)
            #expect(try api.send(method: "POST", path: "/v1/devices/0a1b/actions/quarantine",
                                 body: Array("not json".utf8)).status == 400)
            #expect(try api.send(method: "GET", path: "/v1/devices/0a1b/actions/quarantine").status == 405)
            #expect(try api.send(method: "GET", path: "/v2/anything").status == 404)
            #expect(engine.actions.isEmpty)
        }
    }

    @Test("a body over the limit is refused with 413 and never parsed")
    func bodyBounded() async throws {
        let engine = FakeGatewayEngine(devices: [Self.device])
        try await withTestServer(engine: engine) { server in
            let huge = Array(#"{"reason":""#.utf8) + [UInt8](repeating: 0x61, count: 64 * 1024) + Array(#""}"#.utf8)
            let reply = try client(server).send(method: "POST", path: "/v1/devices/0a1b/actions/quarantine", body: huge)
            #expect(reply.status == 413)
            #expect(engine.actions.isEmpty)
        }
    }

    @Test("the admin API refuses a non-loopback address before opening anything", arguments: ["0.0.0.0:0", "[::]:0"])
    func nonLoopbackRefused(address: String) async throws {
        var configuration = testConfiguration()
        configuration.adminListen = address
        await #expect {
            _ = try await startTestServer(engine: FakeGatewayEngine(), configuration: configuration)
        } throws: { error in
            guard case .notLoopback(let endpoint, _) = error as? GatewayServerError else { return false }
            return endpoint.contains("admin")
        }
        configuration = testConfiguration()
        configuration.metricsListen = address
        await #expect {
            _ = try await startTestServer(engine: FakeGatewayEngine(), configuration: configuration)
        } throws: { error in
            guard case .notLoopback(let endpoint, _) = error as? GatewayServerError else { return false }
            return endpoint.contains("metrics")
        }
    }

    @Test("an enabled admin API needs a token")
    func tokenRequired() async throws {
        await #expect(throws: GatewayServerError.missingAdminToken) {
            _ = try await startTestServer(engine: FakeGatewayEngine(), token: nil)
        }
    }

    @Test("the client says when no gateway is listening")
    func notRunning() throws {
        let port = try unusedLoopbackPort()
        let api = AdminClient(address: ListenAddress(host: "127.0.0.1", port: port), token: testToken)
        #expect(throws: AdminClientError.notRunning(address: "127.0.0.1:\(port)")) {
            try api.perform(.release, kid: Self.device, reason: "x")
        }
    }

    @Test("bearer token comparison")
    func bearerToken() throws {
        let token = try #require(BearerToken(" secret-token\n"))
        #expect(token.authorizes("Bearer secret-token"))
        #expect(token.authorizes("bearer secret-token"))
        #expect(!token.authorizes("Bearer secret-token2"))
        #expect(!token.authorizes("Bearer secret-toke"))
        #expect(!token.authorizes("Bearer secret-tokeN"))
        #expect(!token.authorizes("Basic secret-token"))
        #expect(!token.authorizes("secret-token"))
        #expect(!token.authorizes(nil))
        #expect(BearerToken("  \n") == nil)
        #expect(!"\(token)".contains("secret"))
    }
}

@Suite("Listen addresses")
struct ListenAddressTests {
    @Test("host:port forms")
    func parsing() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:5683") == ListenAddress(host: "127.0.0.1", port: 5683))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(try ListenAddress(parsing: " localhost:5690 ") == ListenAddress(host: "localhost", port: 5690))
        for bad in ["5683", "::1:5683", "host:", ":5683", "host:70000", "[::1]5683", "a:b"] {
            #expect(throws: GatewayServerError.invalidListenAddress(bad)) { try ListenAddress(parsing: bad) }
        }
        #expect(try ListenAddress.optional("") == nil)
        #expect(ListenAddress(host: "::1", port: 5).description == "[::1]:5")
    }

    @Test("loopback detection", arguments: [
        ("127.0.0.1:1", true), ("127.3.2.1:1", true), ("[::1]:1", true), ("[::ffff:127.0.0.1]:1", true),
        ("localhost:1", true), ("0.0.0.0:1", false), ("[::]:1", false), ("10.1.2.3:1", false),
        ("[::ffff:10.0.0.1]:1", false), ("128.0.0.1:1", false),
    ])
    func loopback(address: String, expected: Bool) throws {
        #expect(try ListenAddress(parsing: address).isLoopback() == expected)
    }
}

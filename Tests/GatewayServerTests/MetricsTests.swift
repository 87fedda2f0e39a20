import RampartGateway
import RampartGatewayServer
import Testing

@Suite("Prometheus metrics from the event stream")
struct MetricsTests {
    static let source = PeerAddress.udp(host: "127.0.0.1", port: 40_000)

    @Test("published events show up as counters on GET /metrics, gauges from the engine")
    func countersAfterEvents() async throws {
        let engine = FakeGatewayEngine(sessionCount: 42, halfOpenCount: 9)
        let events = EventBus()
        try await withTestServer(engine: engine, events: events) { server in
            let kid: [UInt8] = [0x01]
            let published: [GatewayEvent.Kind] = [
                .handshakeStarted(source: Self.source, suite: 2, ephemeralFingerprint: [1, 2, 3, 4, 5, 6, 7, 8], session: 1),
                .handshakeStarted(source: Self.source, suite: 0, ephemeralFingerprint: [8, 7, 6, 5, 4, 3, 2, 1], session: 2),
                .handshakeSucceeded(kid: kid, source: Self.source, suite: 2, session: 7, durationMicroseconds: 900),
                .handshakeFailed(kid: nil, source: Self.source, failure: .authenticationFailed),
                .handshakeFailed(kid: nil, source: Self.source, failure: .authenticationFailed),
                .handshakeFailed(kid: kid, source: Self.source, failure: .quarantined),
                .oscoreAccepted(kid: kid, source: Self.source, sequenceNumber: 1, payloadBytes: 12, reading: nil),
                .oscoreAccepted(kid: kid, source: Self.source, sequenceNumber: 2, payloadBytes: 12, reading: nil),
                .oscoreAccepted(kid: kid, source: Self.source, sequenceNumber: 3, payloadBytes: 12, reading: nil),
                .oscoreRejected(kid: kid, source: Self.source, rejection: .replay),
                .oscoreRejected(kid: nil, source: Self.source, rejection: .unknownContext),
                .echoChallengeSent(source: Self.source),
                .datagramDropped(source: Self.source, reason: .rateLimited),
                .actionTaken(kid: kid, action: .quarantine, reason: "test", changed: true, evidence: nil),
                .actionTaken(kid: kid, action: .quarantine, reason: "test", changed: false, evidence: nil),
                .sessionEvicted(kid: kid),
            ]
            for kind in published { events.publish(GatewayEvent(kind)) }

            let expected: [String: Double] = [
                "rampart_handshakes_started_total": 2,
                "rampart_handshakes_total{result=\"succeeded\"}": 1,
                "rampart_handshakes_total{result=\"failed\"}": 3,
                "rampart_handshake_failures_total{class=\"authenticationFailed\"}": 2,
                "rampart_handshake_failures_total{class=\"quarantined\"}": 1,
                "rampart_handshake_failures_total{class=\"timeout\"}": 0,
                "rampart_oscore_requests_total{result=\"accepted\"}": 3,
                "rampart_oscore_requests_total{result=\"rejected\"}": 2,
                "rampart_oscore_rejections_total{class=\"replay\"}": 1,
                "rampart_oscore_rejections_total{class=\"unknownContext\"}": 1,
                "rampart_oscore_rejections_total{class=\"decryptionFailed\"}": 0,
                "rampart_echo_challenges_total": 1,
                "rampart_datagrams_dropped_total{reason=\"rateLimited\"}": 1,
                "rampart_actions_total{action=\"quarantine\",changed=\"true\"}": 1,
                "rampart_actions_total{action=\"quarantine\",changed=\"false\"}": 1,
                "rampart_actions_total{action=\"release\",changed=\"true\"}": 0,
                "rampart_sessions_evicted_total": 1,
                "rampart_sessions": 42,
                "rampart_half_open_handshakes": 9,
                "rampart_events_published_total": Double(published.count),
                "rampart_events_dropped_total": 0,
            ]
            var last: [String: Double] = [:]
            let matched = try await eventually {
                last = try scrape(server)
                return expected.allSatisfy { last[$0.key] == $0.value }
            }
            #expect(matched, "mismatched: \(expected.filter { last[$0.key] != $0.value }.map { "\($0.key)=\(last[$0.key].map { "\($0)" } ?? "missing")" })")
        }
    }

    @Test("the metrics endpoint serves only GET /metrics")
    func routes() async throws {
        try await withTestServer(engine: FakeGatewayEngine()) { server in
            let client = AdminClient(address: try #require(server.metricsAddress).listenAddress, token: nil)
            #expect(try client.send(method: "GET", path: "/").status == 404)
            #expect(try client.send(method: "POST", path: "/metrics").status == 405)
            let reply = try client.send(method: "GET", path: "/metrics")
            #expect(reply.status == 200)
            #expect(reply.text.contains("# TYPE rampart_handshakes_total counter"))
        }
    }

    @Test("events the subscriber could not take are counted as dropped")
    func busDropsCounted() async throws {
        let metrics = GatewayMetrics()
        let events = EventBus()
        let stalled = events.subscribe(capacity: 2)
        for _ in 0..<5 { events.publish(GatewayEvent(.echoChallengeSent(source: Self.source))) }
        metrics.refresh(gauges: FakeGatewayEngine(), events: events)
        let values = parseExposition(String(decoding: metrics.exposition(), as: UTF8.self))
        #expect(values["rampart_events_published_total"] == 5)
        #expect(values["rampart_events_dropped_total"] == 3)
        #expect(values["rampart_event_subscribers"] == 1)
        // A second refresh adds only what is new.
        events.publish(GatewayEvent(.echoChallengeSent(source: Self.source)))
        metrics.refresh(gauges: FakeGatewayEngine(), events: events)
        let again = parseExposition(String(decoding: metrics.exposition(), as: UTF8.self))
        #expect(again["rampart_events_published_total"] == 6)
        #expect(again["rampart_events_dropped_total"] == 4)
        _ = stalled
    }

    @Test("two metrics instances keep separate figures (no global registry)")
    func separateRegistries() {
        let a = GatewayMetrics()
        let b = GatewayMetrics()
        a.record(GatewayEvent(.echoChallengeSent(source: Self.source)))
        #expect(parseExposition(String(decoding: a.exposition(), as: UTF8.self))["rampart_echo_challenges_total"] == 1)
        #expect(parseExposition(String(decoding: b.exposition(), as: UTF8.self))["rampart_echo_challenges_total"] == 0)
    }
}

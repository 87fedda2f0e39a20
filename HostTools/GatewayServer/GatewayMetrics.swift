import Metrics
import Prometheus
import RampartGateway
import Synchronization

/// The gateway's Prometheus metrics: swift-metrics counters and gauges backed by a
/// `PrometheusCollectorRegistry` this object owns (no global `MetricsSystem.bootstrap`, so
/// several gateways — or tests — in one process keep separate figures).
///
/// Every series is created up front, so a counter that never moved is exported as 0 rather
/// than missing (Prometheus' `rate()` needs the zero). Label values are the raw values of the
/// event enums (`GatewayEvent.swift`); no kid or address is ever a label (unbounded
/// cardinality, and identifiers belong in the ledger, not in metrics).
public final class GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    let handshakesStarted: Metrics.Counter
    let handshakesSucceeded: Metrics.Counter
    let handshakesFailed: Metrics.Counter
    let handshakeFailures: [HandshakeFailure: Metrics.Counter]
    let oscoreAccepted: Metrics.Counter
    let oscoreRejected: Metrics.Counter
    let oscoreRejections: [OSCORERejection: Metrics.Counter]
    let echoChallenges: Metrics.Counter
    let datagramsDropped: [DropReason: Metrics.Counter]
    let actionsApplied: [GatewayAction: Metrics.Counter]
    let actionsUnchanged: [GatewayAction: Metrics.Counter]
    let sessionsEvicted: Metrics.Counter
    let sourcesBlocked: Metrics.Counter
    let previousPeersAnswered: Metrics.Counter
    let datagramsReceived: [Transport: Metrics.Counter]
    let repliesDropped: [Transport: Metrics.Counter]
    let serialFramesDropped: [SerialDrop: Metrics.Counter]
    let eventsPublished: Metrics.Counter
    let eventsDropped: Metrics.Counter
    let sessions: Metrics.Gauge
    let halfOpen: Metrics.Gauge
    let eventSubscribers: Metrics.Gauge
    /// What `EventBus.published` / `dropped` were at the last refresh (their counters grow by
    /// the difference).
    private let lastBusCounts = Mutex<(published: Int, dropped: Int)>((0, 0))

    /// Where a datagram came in.
    public enum Transport: String, Sendable, CaseIterable {
        case udp
        case serial
    }

    /// Why a serial frame was discarded before reaching the engine (`SerialFrameDecoder`'s
    /// counters).
    public enum SerialDrop: String, Sendable, CaseIterable {
        /// CRC-32 mismatch: line noise.
        case checksum
        /// A delimiter cut a COBS block short, or the body was too short for a CRC.
        case malformed
        /// Longer than `SerialFraming.maxPayloadByteCount`.
        case oversized
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Metrics.Counter {
            Metrics.Counter(label: name, dimensions: dimensions, factory: factory)
        }
        func gauge(_ name: String) -> Metrics.Gauge {
            Metrics.Gauge(label: name, factory: factory)
        }
        func byCase<Key: CaseIterable & RawRepresentable & Hashable>(
            _ name: String, _ label: String, _: Key.Type
        ) -> [Key: Metrics.Counter] where Key.RawValue == String {
            Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0, counter(name, [(label, $0.rawValue)])) })
        }

        handshakesStarted = counter("rampart_handshakes_started_total")
        handshakesSucceeded = counter("rampart_handshakes_total", [("result", "succeeded")])
        handshakesFailed = counter("rampart_handshakes_total", [("result", "failed")])
        handshakeFailures = byCase("rampart_handshake_failures_total", "class", HandshakeFailure.self)
        oscoreAccepted = counter("rampart_oscore_requests_total", [("result", "accepted")])
        oscoreRejected = counter("rampart_oscore_requests_total", [("result", "rejected")])
        oscoreRejections = byCase("rampart_oscore_rejections_total", "class", OSCORERejection.self)
        echoChallenges = counter("rampart_echo_challenges_total")
        datagramsDropped = byCase("rampart_datagrams_dropped_total", "reason", DropReason.self)
        actionsApplied = Dictionary(uniqueKeysWithValues: GatewayAction.allCases.map {
            ($0, counter("rampart_actions_total", [("action", $0.rawValue), ("changed", "true")]))
        })
        actionsUnchanged = Dictionary(uniqueKeysWithValues: GatewayAction.allCases.map {
            ($0, counter("rampart_actions_total", [("action", $0.rawValue), ("changed", "false")]))
        })
        sessionsEvicted = counter("rampart_sessions_evicted_total")
        sourcesBlocked = counter("rampart_sources_blocked_total")
        previousPeersAnswered = counter("rampart_previous_peer_pings_answered_total")
        datagramsReceived = byCase("rampart_datagrams_received_total", "transport", Transport.self)
        repliesDropped = byCase("rampart_replies_dropped_total", "transport", Transport.self)
        serialFramesDropped = byCase("rampart_serial_frames_dropped_total", "reason", SerialDrop.self)
        eventsPublished = counter("rampart_events_published_total")
        eventsDropped = counter("rampart_events_dropped_total")
        sessions = gauge("rampart_sessions")
        halfOpen = gauge("rampart_half_open_handshakes")
        eventSubscribers = gauge("rampart_event_subscribers")
    }

    /// Counts one event of the gateway's stream.
    public func record(_ event: GatewayEvent) {
        switch event.kind {
        case .handshakeStarted:
            handshakesStarted.increment()
        case .handshakeSucceeded:
            handshakesSucceeded.increment()
        case .handshakeFailed(_, _, let failure):
            handshakesFailed.increment()
            handshakeFailures[failure]?.increment()
        case .oscoreAccepted:
            oscoreAccepted.increment()
        case .oscoreRejected(_, _, let rejection):
            oscoreRejected.increment()
            oscoreRejections[rejection]?.increment()
        case .echoChallengeSent:
            echoChallenges.increment()
        case .datagramDropped(_, let reason):
            datagramsDropped[reason]?.increment()
        case .actionTaken(_, let action, _, let changed, _):
            (changed ? actionsApplied : actionsUnchanged)[action]?.increment()
        case .sessionEvicted:
            sessionsEvicted.increment()
        case .sourceBlocked(_, _, _, let changed, _):
            if changed { sourcesBlocked.increment() }
        case .previousPeerAnswered:
            previousPeersAnswered.increment()
        case .sessionOnPeer:
            break
        }
    }

    /// A datagram (UDP) or a good frame (serial) arrived.
    func received(on transport: Transport) {
        datagramsReceived[transport]?.increment()
    }

    /// A reply was not sent because the channel's write buffer was full (back-pressure).
    func replyDropped(on transport: Transport) {
        repliesDropped[transport]?.increment()
    }

    func serialFramesDropped(_ reason: SerialDrop, count: Int) {
        guard count > 0 else { return }
        serialFramesDropped[reason]?.increment(by: Int64(count))
    }

    /// Samples the gauges and the event bus' totals (called before each scrape).
    public func refresh(gauges: any GatewayGauges, events: EventBus) {
        sessions.record(gauges.sessionCount)
        halfOpen.record(gauges.halfOpenCount)
        eventSubscribers.record(events.subscriberCount)
        let (published, dropped) = (events.published, events.dropped)
        let (newlyPublished, newlyDropped) = lastBusCounts.withLock { last in
            defer { last = (max(last.published, published), max(last.dropped, dropped)) }
            return (published - last.published, dropped - last.dropped)
        }
        if newlyPublished > 0 { eventsPublished.increment(by: Int64(newlyPublished)) }
        if newlyDropped > 0 { eventsDropped.increment(by: Int64(newlyDropped)) }
    }

    /// The Prometheus text exposition of every series.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

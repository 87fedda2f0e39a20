import Foundation
import Logging
import RampartEtcd
import RampartGateway
import RampartLedger

/// "One kid on two gateways at once" (docs/detection.md §2): each gateway tells the others,
/// through etcd, which kids just completed a handshake with it (`<prefix>/sessions/<kid>`),
/// and turns the others' reports into `sessionOnPeer` events for its own detector. A device
/// keeps one session, so once it has a new one elsewhere, requests accepted here on the older
/// one come from a second holder of its key.
///
/// Best effort, and bounded: reports ride on a bounded subscription and are written one at a
/// time; when etcd is away they are dropped (logged at debug), never queued without bound.
/// The single-gateway rules work regardless. One small put per handshake: a million devices
/// rotating every ten minutes is about 1,700 puts a second, within etcd's reach but not free.
public actor ClusterSessionSightings {
    static let subscriptionCapacity = 16_384
    static let maxRetryDelay = Duration.seconds(2)

    private let etcd: EtcdClient
    private let keys: ClusterKeys
    private let gateway: GatewayID
    private let events: EventBus
    private let logger: Logger
    private var tasks: [Task<Void, Never>] = []

    public init(etcd: EtcdClient, keys: ClusterKeys, gateway: GatewayID, events: EventBus, logger: Logger) {
        self.etcd = etcd
        self.keys = keys
        self.gateway = gateway
        self.events = events
        self.logger = logger
    }

    public func start() {
        let handshakes = events.subscribe(capacity: Self.subscriptionCapacity)
        tasks = [
            Task { [weak self] in await self?.reportLoop(handshakes) },
            Task { [weak self] in await self?.followLoop() },
        ]
    }

    public func stop() async {
        let running = tasks
        tasks = []
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// This gateway's completed handshakes, to etcd.
    private func reportLoop(_ stream: AsyncStream<GatewayEvent>) async {
        for await event in stream {
            guard case .handshakeSucceeded(let kid, _, _, _, _) = event.kind else { continue }
            do {
                let value = try JSONEncoder().encode(SessionSighting(gateway: gateway.hex))
                _ = try await etcd.put(keys.session(kid), value: Array(value))
            } catch {
                if Task.isCancelled { return }
                logger.debug("cluster: a session report did not reach etcd (dropped)",
                             metadata: ["kid": "\(kid.hexString)", "error": "\(error)"])
            }
        }
    }

    /// The peers' reports from now on (older ones say nothing about the present).
    private func followLoop() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                let now = try await etcd.range(prefix: keys.sessions, limit: 1)
                delay = .milliseconds(50)
                for try await event in etcd.watch(prefix: keys.sessions, startRevision: now.revision + 1) {
                    guard case .put(let kv) = event, let kid = keys.kid(kv.key),
                          let sighting = try? JSONDecoder().decode(SessionSighting.self, from: Data(kv.value)),
                          sighting.gateway != gateway.hex else { continue }
                    events.publish(GatewayEvent(.sessionOnPeer(kid: kid, gateway: sighting.gateway)))
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxRetryDelay)
            }
        }
    }
}

/// A kid's latest handshake as etcd holds it: the gateway that completed it.
struct SessionSighting: Codable {
    var gateway: String
}

import EtcdTestSupport
import Foundation
import Logging
import NIOCore
import RampartCluster
import RampartGateway
import RampartGatewayServer
import RampartLedger
import RampartRegistry
import RampartSimulator
import Testing

let quietLogger = Logger(label: "rampart.cluster-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// One gateway of a test cluster, assembled as `rampart gateway run --etcd …` does
/// (`GatewayDeployment`), in its own temporary data directory, on loopback port 0.
final class ClusterGateway: @unchecked Sendable {
    let name: String
    let dataDirectory: String
    var configuration: GatewayConfiguration
    private(set) var deployment: GatewayDeployment
    private(set) var server: GatewayServer
    private(set) var events: EventBus
    /// Whether the gateway runs its detector (rules only, no model).
    let detects: Bool

    init(name: String, endpoints: [String], prefix: String, detects: Bool = false) async throws {
        self.detects = detects
        self.name = name
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cluster-\(name)-\(UUID().uuidString)").path
        var configuration = GatewayConfiguration()
        configuration.dataDirectory = dataDirectory
        configuration.udpListen = "127.0.0.1:0"
        configuration.adminListen = ""
        configuration.metricsListen = ""
        configuration.cluster.etcdEndpoints = endpoints
        configuration.cluster.keyPrefix = prefix
        configuration.cluster.advertiseAddress = name
        self.configuration = configuration
        (deployment, server, events) = try await Self.start(configuration, detects: detects)
    }

    private static func start(_ configuration: GatewayConfiguration,
                              detects: Bool) async throws -> (GatewayDeployment, GatewayServer, EventBus) {
        let events = EventBus()
        let deployment = try GatewayDeployment.open(configuration: configuration, events: events, logger: quietLogger)
        var options = GatewayServerOptions()
        options.eventLoopThreads = 1
        options.tickInterval = .milliseconds(20)
        options.notifySystemd = false
        options.ledger = deployment.ledgerSink
        if detects {
            options.detection = DetectionService(configuration: configuration.detection, model: nil,
                                                 responder: .engine(deployment.engine), logger: quietLogger)
        }
        let server = try await GatewayServer.start(configuration: configuration, engine: deployment.engine, events: events,
                                                   adminToken: nil, logger: quietLogger, options: options)
        await deployment.start()
        return (deployment, server, events)
    }

    var engine: GatewayEngine { deployment.engine }
    var member: ClusterMember { deployment.cluster! }
    var ledger: ClusterLedger { member.ledger }
    var store: LedgerStore { member.ledger.store }
    var udpAddress: SocketAddress { server.udpAddress! }

    func status(_ kid: [UInt8]) -> DeviceStatus? { try? member.directory.local.device(kid: kid)?.status }

    func credential(suite: Int32) throws -> [UInt8] {
        try GatewayKeyStore.credential(suite: suite, dataDirectory: dataDirectory)
    }

    /// Stops serving and leaves the cluster (the ledger queue keeps what was not sealed).
    func stop() async {
        await server.shutdown()
        try? await deployment.stop()
    }

    /// Starts again over the same data directory, on a fresh UDP port: the tests running
    /// beside this one bind ports of their own, and one of them may have been handed the old
    /// port the moment it was freed (seen once under CI). Rebinding one port is the
    /// lifecycle tests' subject, not the cluster's.
    func restart() async throws {
        configuration.udpListen = "127.0.0.1:0"
        (deployment, server, events) = try await Self.start(configuration, detects: detects)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}

/// Three etcd members and `gateways` gateways sharing a fresh key prefix (running their
/// detectors if `detects`); always torn down.
func withCluster<T>(gateways count: Int = 3, detects: Bool = false,
                    _ body: (EtcdTestCluster, [ClusterGateway]) async throws -> T) async throws -> T {
    let etcd = try await EtcdTestCluster.start(members: 3)
    defer { etcd.stop() }
    let prefix = "/rampart-test-\(UUID().uuidString.prefix(8))"
    var gateways: [ClusterGateway] = []
    do {
        for index in 0 ..< count {
            gateways.append(try await ClusterGateway(name: "gw\(index)", endpoints: etcd.clientEndpoints, prefix: prefix,
                                                     detects: detects))
        }
        let result = try await body(etcd, gateways)
        for gateway in gateways { await gateway.stop(); gateway.remove() }
        return result
    } catch {
        for gateway in gateways { await gateway.stop(); gateway.remove() }
        throw error
    }
}

func eventually(within seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Every gateway's local copy at the same size with the same root, and each verifying.
func converged(_ gateways: [ClusterGateway], atLeast minimum: UInt64 = 1) throws -> Bool {
    let sizes = Set(gateways.map(\.store.treeSize))
    guard sizes.count == 1, let size = sizes.first, size >= minimum else { return false }
    let roots = try Set(gateways.map { try $0.store.rootHash(treeSize: size) })
    return roots.count == 1
}

/// Every gateway has joined and recorded its configuration, its queue is empty, and the copies agree.
func settled(_ gateways: [ClusterGateway]) throws -> Bool {
    try gateways.allSatisfy { try $0.ledger.queuedEntryCount() == 0 }
        && converged(gateways, atLeast: UInt64(2 * gateways.count))
}

/// A policy-change entry with a unique subject (to count what arrived).
func marker(_ subject: String) -> PendingEntry {
    PolicyChangeSummary(subject: subject, old: "", new: "x", reason: "cluster test").pendingEntry(time: 1_800_000_000_000)
}

/// Subjects of the policy-change entries in a store, in log order.
func markerSubjects(_ store: LedgerStore) throws -> [String] {
    try store.entries(from: 0, limit: Int(store.treeSize)).compactMap { entry in
        entry.type == .policyChange && entry.body["reason"] == .text("cluster test") ? entry.body["subject"]?.textValue : nil
    }
}

/// The evidence of the actions a gateway took, from its event bus.
final class ActionLog: @unchecked Sendable {
    private let lock = NSLock()
    private var evidence: [[UInt8]: [String]] = [:]
    private var task: Task<Void, Never>? = nil

    init(_ events: EventBus) {
        let stream = events.subscribe(capacity: 1 << 16)
        task = Task { [weak self] in
            for await event in stream {
                guard case .actionTaken(let kid, _, _, _, let carried?) = event.kind else { continue }
                self?.note(kid, carried.evidence)
            }
        }
    }

    deinit { task?.cancel() }

    private func note(_ kid: [UInt8], _ strings: [String]) {
        lock.lock()
        evidence[kid, default: []] += strings
        lock.unlock()
    }

    func evidence(for kid: [UInt8]) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return evidence[kid] ?? []
    }
}

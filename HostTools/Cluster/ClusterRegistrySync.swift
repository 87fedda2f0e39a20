import Foundation
import Logging
import RampartEtcd
import RampartGateway
import RampartLedger

/// Keeps a gateway's registry and the cluster's in step through etcd: publishes what this
/// gateway changes (from `ClusterDeviceDirectory`'s outbox) and applies what the others change
/// (a watch on `<prefix>/devices/` and `<prefix>/status/`). A quarantine or revocation from a
/// peer is applied through the engine's own action (`apply`), so the session is dropped and
/// the action logged and recorded here too, within one watch round trip.
public actor ClusterRegistrySync {
    static let publishPollInterval = Duration.milliseconds(5)
    static let maxRetryDelay = Duration.seconds(2)

    /// Applies a peer's action on this gateway (the engine's `perform`).
    public typealias ActionApplier = @Sendable (GatewayAction, [UInt8], String) throws -> Void

    private let directory: ClusterDeviceDirectory
    private let etcd: EtcdClient
    private let keys: ClusterKeys
    private let gateway: GatewayID
    private let apply: ActionApplier
    private let logger: Logger
    private var tasks: [Task<Void, Never>] = []

    public init(directory: ClusterDeviceDirectory, etcd: EtcdClient, keys: ClusterKeys, gateway: GatewayID,
                apply: @escaping ActionApplier, logger: Logger) {
        self.directory = directory
        self.etcd = etcd
        self.keys = keys
        self.gateway = gateway
        self.apply = apply
        self.logger = logger
    }

    public func start() {
        tasks = [
            Task { [weak self] in await self?.publishLoop() },
            Task { [weak self] in await self?.followLoop(prefix: self?.keys.devices ?? "") },
            Task { [weak self] in await self?.followLoop(prefix: self?.keys.statuses ?? "") },
        ]
    }

    public func stop() async {
        let running = tasks
        tasks = []
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// Changes waiting for etcd.
    public nonisolated var unpublishedCount: Int { directory.outboxCount }

    // MARK: Publishing

    private func publishLoop() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            let batch = directory.takeOutbox()
            if batch.isEmpty {
                try? await Task.sleep(for: Self.publishPollInterval)
                continue
            }
            var sent = 0
            do {
                for publication in batch {
                    try await publish(publication)
                    sent += 1
                }
                delay = .milliseconds(50)
            } catch {
                directory.putBack(Array(batch[sent...]))
                if Task.isCancelled { return }
                logger.debug("cluster registry: publishing waits for etcd", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxRetryDelay)
            }
        }
    }

    private func publish(_ publication: ClusterPublication) async throws {
        switch publication {
        case .device(let record):
            let value = try JSONEncoder().encode(SharedDevice(record, gateway: gateway))
            // Create only: a kid registered elsewhere first keeps its registration.
            let key = keys.device(record.kid)
            _ = try await etcd.txn(compare: [.createRevision(key: key, equals: 0)],
                                   success: [.put(key: key, value: Array(value))])
        case .status(let kid, let status, let reason):
            let value = try JSONEncoder().encode(SharedStatus(status: status, reason: reason, gateway: gateway.hex))
            _ = try await etcd.put(keys.status(kid), value: Array(value))
        }
    }

    // MARK: Following

    private func followLoop(prefix: String) async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                let snapshot = try await etcd.range(prefix: prefix)
                for kv in snapshot.kvs { await received(key: kv.key, value: kv.value) }
                delay = .milliseconds(50)
                for try await event in etcd.watch(prefix: prefix, startRevision: snapshot.revision + 1) {
                    if case .put(let kv) = event { await received(key: kv.key, value: kv.value) }
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxRetryDelay)
            }
        }
    }

    private func received(key: String, value: [UInt8]) async {
        guard let kid = keys.kid(key) else { return }
        do {
            if key.hasPrefix(keys.devices) {
                let shared = try JSONDecoder().decode(SharedDevice.self, from: Data(value))
                directory.notePublished(kid: kid)
                if try directory.local.device(kid: kid) == nil {
                    try directory.local.add(try shared.record())
                    logger.info("cluster: device registered by a peer", metadata: ["kid": "\(kid.hexString)", "gateway": "\(shared.gateway)"])
                    // Its status may have arrived before it did.
                    if let status = try await etcd.get(keys.status(kid)) { await received(key: status.key, value: status.value) }
                }
            } else {
                let shared = try JSONDecoder().decode(SharedStatus.self, from: Data(value))
                directory.noteCluster(status: shared.status, kid: kid)
                guard shared.gateway != gateway.hex, let record = try directory.local.device(kid: kid),
                      record.status != shared.status else { return }
                let action: GatewayAction = switch shared.status {
                case .quarantined: .quarantine
                case .revoked: .revokeRegistration
                case .active: .release
                }
                try apply(action, kid, "cluster: \(action.rawValue) on gateway \(shared.gateway): \(shared.reason)")
            }
        } catch {
            logger.error("cluster registry: could not apply a change from etcd",
                         metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }
}

/// A registration as etcd holds it.
struct SharedDevice: Codable {
    var kid: String
    var credential: String
    var suites: [Int32]
    var policy: DevicePolicy
    var label: String
    var gateway: String

    init(_ record: DeviceRecord, gateway: GatewayID) {
        kid = LedgerJSON.hex(record.kid)
        credential = LedgerJSON.hex(record.credential)
        suites = record.suites
        policy = record.policy
        label = record.label
        self.gateway = gateway.hex
    }

    func record() throws -> DeviceRecord {
        guard let kid = ClusterKeys.bytes(hex: kid), let credential = ClusterKeys.bytes(hex: credential) else {
            throw DeviceDirectoryError.invalidRecord("a registration in etcd has a kid or credential that is not hex")
        }
        return DeviceRecord(kid: kid, credential: credential, suites: suites, policy: policy, label: label)
    }
}

/// A device's status as etcd holds it.
struct SharedStatus: Codable {
    var status: DeviceStatus
    var reason: String
    var gateway: String
}

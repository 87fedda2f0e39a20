import Foundation
import Logging
import RampartEtcd
import RampartGateway
import RampartLedger
import RampartRegistry

/// A gateway in cluster mode, assembled over its data directory: its local ledger copy and
/// signing key, its registry behind `ClusterDeviceDirectory`, the etcd client, and the two
/// loops that keep them in step with the peers. The engine is built over `directory`; once it
/// exists, `start(engine:events:)` connects the two.
public final class ClusterMember: Sendable {
    public let directory: ClusterDeviceDirectory
    public let ledger: ClusterLedger
    public let etcd: EtcdClient
    public let keys: ClusterKeys
    public let signer: LedgerSigner
    private let logger: Logger
    private let syncHolder = SyncHolder()

    private final class SyncHolder: @unchecked Sendable {
        // Set once in `start`, read in `stop`: both on the gateway's start-up and shutdown
        // path, never concurrently.
        var sync: ClusterRegistrySync?
        var sightings: ClusterSessionSightings?
    }

    /// Opens the local state; contacts no one yet.
    ///
    /// - Throws: when `configuration.cluster.etcdEndpoints` is empty or malformed, or the
    ///   ledger, registry or signing key cannot be opened (the message says what to do).
    public init(configuration: GatewayConfiguration, registry: SQLiteDeviceRegistry? = nil, logger: Logger) throws {
        let cluster = configuration.cluster
        guard !cluster.etcdEndpoints.isEmpty else {
            throw ClusterConfigurationError("cluster mode needs at least one etcd endpoint (cluster.etcdEndpoints)")
        }
        etcd = try EtcdClient(endpoints: cluster.etcdEndpoints, logger: logger)
        keys = ClusterKeys(prefix: cluster.keyPrefix)
        signer = try LedgerSigner.loadOrCreate(dataDirectory: configuration.dataDirectory)
        let store = try LedgerStore(dataDirectory: configuration.dataDirectory)
        let address = cluster.advertiseAddress.isEmpty ? configuration.udpListen : cluster.advertiseAddress
        ledger = ClusterLedger(store: store, signer: signer, etcd: etcd, keys: keys, address: address, logger: logger)
        // Tools working on this data directory queue their entries for this gateway to seal.
        _ = FileManager.default.createFile(atPath: DataDirectoryLayout.path(configuration.dataDirectory, EmbeddedLedger.clusterMarker),
                                       contents: Data(keys.prefix.utf8))
        directory = ClusterDeviceDirectory(local: try registry ?? SQLiteDeviceRegistry(dataDirectory: configuration.dataDirectory))
        self.logger = logger
    }

    /// Catches up with the cluster (or starts from the local copy when etcd does not answer)
    /// and starts following it. Peers' quarantines and revocations are applied through
    /// `engine.perform`; the kids' handshakes are shared with the peers and theirs published
    /// on `events` (`ClusterSessionSightings`).
    public func start(engine: GatewayEngine, events: EventBus) async {
        let sync = ClusterRegistrySync(directory: directory, etcd: etcd, keys: keys, gateway: signer.gatewayID,
                                       apply: { action, kid, reason in _ = try engine.perform(action, kid: kid, reason: reason) },
                                       logger: logger)
        syncHolder.sync = sync
        await sync.start()
        let sightings = ClusterSessionSightings(etcd: etcd, keys: keys, gateway: signer.gatewayID, events: events,
                                                logger: logger)
        syncHolder.sightings = sightings
        await sightings.start()
        await ledger.start()
        logger.info("cluster member started", metadata: ["gateway": "\(signer.gatewayID.hex)", "prefix": "\(keys.prefix)"])
    }

    /// Stops following; queued entries stay in the local queue for the next start.
    public func stop() async {
        await syncHolder.sync?.stop()
        await syncHolder.sightings?.stop()
        await ledger.stop()
        await etcd.shutdown()
    }

    /// Registry changes not yet in etcd.
    public var unpublishedRegistryChanges: Int { syncHolder.sync?.unpublishedCount ?? 0 }
}

public struct ClusterConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

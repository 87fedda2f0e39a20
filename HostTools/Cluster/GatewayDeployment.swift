import Logging
import RampartGateway
import RampartLedger
import RampartRegistry

/// A gateway's engine with its ledger, in the mode its configuration names: embedded (the
/// registry and the ledger in SQLite files, no one else involved) or cluster (etcd endpoints
/// configured: the same files as local copies, kept in step with the peers). `rampart gateway
/// run` and the end-to-end tests assemble gateways through it.
public final class GatewayDeployment: Sendable {
    public let engine: GatewayEngine
    /// Where the server's `LedgerRecorder` writes.
    public let ledgerSink: any LedgerSink
    /// The cluster membership; nil in embedded mode.
    public let cluster: ClusterMember?
    private let writer: LedgerWriter?

    public static func open(configuration: GatewayConfiguration, events: EventBus, logger: Logger) throws -> GatewayDeployment {
        let registry = try SQLiteDeviceRegistry(dataDirectory: configuration.dataDirectory)
        if configuration.cluster.etcdEndpoints.isEmpty {
            let engine = try GatewayEngine.open(configuration: configuration, registry: registry, events: events, logger: logger)
            let writer = try EmbeddedLedger.openWriter(dataDirectory: configuration.dataDirectory,
                                                       address: configuration.udpListen)
            return GatewayDeployment(engine: engine, ledgerSink: writer, cluster: nil, writer: writer)
        }
        let member = try ClusterMember(configuration: configuration, registry: registry, logger: logger)
        let engine = try GatewayEngine.open(configuration: configuration, directory: member.directory, events: events,
                                            logger: logger)
        return GatewayDeployment(engine: engine, ledgerSink: member.ledger, cluster: member, writer: nil)
    }

    private init(engine: GatewayEngine, ledgerSink: any LedgerSink, cluster: ClusterMember?, writer: LedgerWriter?) {
        self.engine = engine
        self.ledgerSink = ledgerSink
        self.cluster = cluster
        self.writer = writer
    }

    /// Joins the cluster (no-op when embedded). Call once the server is serving.
    public func start() async {
        await cluster?.start(engine: engine)
    }

    /// After the server's shutdown (which flushed the recorder): closes the ledger.
    public func stop() async throws {
        try await writer?.close()
        await cluster?.stop()
    }
}

import Foundation
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
    private let events: EventBus
    private let configuration: GatewayConfiguration
    private let logger: Logger
    /// The digest of the configuration last recorded in the ledger, in the data directory.
    public static let configurationDigestFile = "configuration.sha256"

    public static func open(configuration: GatewayConfiguration, events: EventBus, logger: Logger) throws -> GatewayDeployment {
        let registry = try SQLiteDeviceRegistry(dataDirectory: configuration.dataDirectory)
        if configuration.cluster.etcdEndpoints.isEmpty {
            // Embedded now: tools must seal their entries again, not queue them for a cluster.
            try? FileManager.default.removeItem(atPath: DataDirectoryLayout.path(configuration.dataDirectory,
                                                                                EmbeddedLedger.clusterMarker))
            let engine = try GatewayEngine.open(configuration: configuration, registry: registry, events: events, logger: logger)
            let writer = try EmbeddedLedger.openWriter(dataDirectory: configuration.dataDirectory,
                                                       address: configuration.udpListen)
            return GatewayDeployment(engine: engine, ledgerSink: writer, cluster: nil, writer: writer, events: events,
                                     configuration: configuration, logger: logger)
        }
        let member = try ClusterMember(configuration: configuration, registry: registry, logger: logger)
        let engine = try GatewayEngine.open(configuration: configuration, directory: member.directory, events: events,
                                            logger: logger)
        return GatewayDeployment(engine: engine, ledgerSink: member.ledger, cluster: member, writer: nil, events: events,
                                 configuration: configuration, logger: logger)
    }

    private init(engine: GatewayEngine, ledgerSink: any LedgerSink, cluster: ClusterMember?, writer: LedgerWriter?,
                 events: EventBus, configuration: GatewayConfiguration, logger: Logger) {
        self.engine = engine
        self.ledgerSink = ledgerSink
        self.cluster = cluster
        self.writer = writer
        self.events = events
        self.configuration = configuration
        self.logger = logger
    }

    /// Joins the cluster (no-op when embedded) and records a changed configuration. Call once
    /// the server is serving.
    public func start() async {
        await cluster?.start(engine: engine, events: events)
        await recordConfigurationChange()
    }

    /// A configuration different from the one last recorded is a policy change: its SHA-256
    /// (of the configuration as canonical JSON) goes into the ledger, old and new.
    private func recordConfigurationChange() async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(configuration) else { return }
        let digest = LedgerJSON.hex(LedgerDigest.sha256(Array(json)))
        let path = DataDirectoryLayout.path(configuration.dataDirectory, Self.configurationDigestFile)
        let previous = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard previous != digest else { return }
        let change = PolicyChangeSummary(subject: "gateway-configuration", old: previous, new: digest,
                                         reason: previous.isEmpty ? "first start" : "started with a changed configuration")
        do {
            try await ledgerSink.record([change.pendingEntry(time: LedgerClock.nowMilliseconds())])
            try Data((digest + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.error("ledger: could not record the configuration change", metadata: ["error": "\(error)"])
        }
    }

    /// After the server's shutdown (which flushed the recorder): closes the ledger.
    public func stop() async throws {
        try await writer?.close()
        await cluster?.stop()
    }
}

import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RampartGateway
import RampartLedger
import Synchronization

/// What the service needs of the protocol engine (`GatewayEngine`, or a fake in tests).
public typealias GatewayServiceEngine = DatagramService & ResponseActions & GatewayGauges

/// Knobs of the service itself (the gateway's behaviour is in `GatewayConfiguration`).
public struct GatewayServerOptions: Sendable {
    /// Event-loop threads; UDP gets one socket per thread.
    public var eventLoopThreads: Int = System.coreCount
    /// How often `DatagramService.tick()` runs.
    public var tickInterval: TimeAmount = .seconds(1)
    /// Send READY=1 / STOPPING=1 when `NOTIFY_SOCKET` is set.
    public var notifySystemd = true
    /// A serial port that went away is retried this often.
    public var serialReopenDelay: TimeAmount = .seconds(2)
    /// Largest admin request body (an action's reason fits many times over).
    public var adminMaxBodyBytes = 16 * 1024
    /// Where the gateway's ledger summaries go (sessions, actions): the embedded ledger's
    /// writer or the cluster's replicator; nil keeps no ledger (tests of other parts).
    public var ledger: (any LedgerSink)? = nil
    /// The detector and what its decisions act on; nil runs no detector.
    public var detection: DetectionService? = nil

    public init() {}
}

/// The gateway as a running service: CoAP over UDP and serial ports into the protocol engine,
/// the loopback admin API, the Prometheus endpoint, and the engine's once-a-second
/// housekeeping. Start it with `start`, stop it with `shutdown()` (which closes every port;
/// the same ports can be bound again once it returns).
public final class GatewayServer: Sendable {
    /// The UDP socket's local address (with port 0 in the configuration: the port the kernel
    /// chose); nil when UDP is disabled.
    public let udpAddress: SocketAddress?
    public let adminAddress: SocketAddress?
    public let metricsAddress: SocketAddress?
    /// The open serial ports' paths.
    public let serialPorts: [String]
    public let metrics: GatewayMetrics

    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let channels: [Channel]
    private let serialTransports: [SerialTransport]
    private let tick: RepeatedTask
    private let subscribers: [Task<Void, Never>]
    private let recorder: LedgerRecorder?
    private let notifySystemd: Bool
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    private init(udpAddress: SocketAddress?, adminAddress: SocketAddress?, metricsAddress: SocketAddress?,
                 metrics: GatewayMetrics, group: MultiThreadedEventLoopGroup, threadPool: NIOThreadPool,
                 channels: [Channel], serialTransports: [SerialTransport], tick: RepeatedTask,
                 subscribers: [Task<Void, Never>], recorder: LedgerRecorder?, notifySystemd: Bool, logger: Logger) {
        self.udpAddress = udpAddress
        self.adminAddress = adminAddress
        self.metricsAddress = metricsAddress
        self.serialPorts = serialTransports.map(\.path)
        self.metrics = metrics
        self.group = group
        self.threadPool = threadPool
        self.channels = channels
        self.serialTransports = serialTransports
        self.tick = tick
        self.subscribers = subscribers
        self.recorder = recorder
        self.notifySystemd = notifySystemd
        self.logger = logger
    }

    /// Checks the configuration, opens every endpoint it names and starts serving. Nothing
    /// stays open if it throws.
    ///
    /// - Parameters:
    ///   - adminToken: the admin API's bearer token (the content of
    ///     `<dataDirectory>/admin.token`); required when `adminListen` is set.
    public static func start(
        configuration: GatewayConfiguration, engine: any GatewayServiceEngine, events: EventBus,
        adminToken: BearerToken?, logger: Logger, options: GatewayServerOptions = GatewayServerOptions()
    ) async throws -> GatewayServer {
        let plan = try Plan(configuration: configuration, adminToken: adminToken)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.eventLoopThreads))
        // Blocking work off the event loops: admin actions (registry writes) and `tick()`.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let metrics = GatewayMetrics()
        let subscribers = [MetricsSubscriber(metrics: metrics).start(events: events),
                           EventLogSubscriber(logger: logger).start(events: events)]
            + (options.detection?.start(events: events) ?? [])
        let recorder = options.ledger.map { LedgerRecorder(sink: $0, logger: logger) }
        recorder?.start(events: events)
        let maxDatagramBytes = configuration.engine.maxDatagramBytes

        var channels: [Channel] = []
        var serialTransports: [SerialTransport] = []
        var addresses: (udp: SocketAddress?, admin: SocketAddress?, metrics: SocketAddress?) = (nil, nil, nil)
        do {
            if let udp = plan.udp {
                let udpChannels = try await UDPTransport.bind(
                    udp, count: max(1, options.eventLoopThreads), group: group, service: engine,
                    maxDatagramBytes: maxDatagramBytes, events: events, metrics: metrics, logger: logger)
                channels += udpChannels
                addresses.udp = udpChannels.first?.localAddress
            }
            for port in configuration.serialPorts {
                let transport = SerialTransport(port: port, group: group, reopenDelay: options.serialReopenDelay,
                                                service: engine, maxDatagramBytes: maxDatagramBytes, events: events,
                                                metrics: metrics, logger: logger)
                try await transport.start()
                serialTransports.append(transport)
            }
            if let admin = plan.admin, let token = adminToken {
                let api = AdminAPI(engine: engine, token: token, logger: logger)
                let channel = try await HTTPEndpoint.bind(
                    admin, name: "admin API", group: group, maxBodyBytes: options.adminMaxBodyBytes, logger: logger
                ) { request, loop in
                    threadPool.runIfActive(eventLoop: loop) { api.respond(to: request) }
                }
                channels.append(channel)
                addresses.admin = channel.localAddress
            }
            if let metricsListen = plan.metrics {
                let channel = try await HTTPEndpoint.bind(
                    metricsListen, name: "metrics endpoint", group: group, maxBodyBytes: 0, logger: logger
                ) { request, loop in
                    loop.makeSucceededFuture(metricsReply(request, metrics: metrics, engine: engine, events: events))
                }
                channels.append(channel)
                addresses.metrics = channel.localAddress
            }
        } catch {
            for transport in serialTransports { await transport.stop() }
            for channel in channels { try? await channel.close() }
            for subscriber in subscribers { subscriber.cancel() }
            await recorder?.stop()
            try? await threadPool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }

        let tickLoop = group.next()
        let tick = tickLoop.scheduleRepeatedAsyncTask(initialDelay: options.tickInterval, delay: options.tickInterval) { _ in
            threadPool.runIfActive(eventLoop: tickLoop) { engine.tick() }
        }
        let server = GatewayServer(
            udpAddress: addresses.udp, adminAddress: addresses.admin, metricsAddress: addresses.metrics,
            metrics: metrics, group: group, threadPool: threadPool, channels: channels,
            serialTransports: serialTransports, tick: tick, subscribers: subscribers, recorder: recorder,
            notifySystemd: options.notifySystemd, logger: logger)
        logger.info("gateway started", metadata: [
            "udp": "\(addresses.udp?.displayText ?? "off")",
            "serial": "\(server.serialPorts)",
            "admin": "\(addresses.admin?.displayText ?? "off")",
            "metrics": "\(addresses.metrics?.displayText ?? "off")",
            "threads": "\(options.eventLoopThreads)",
        ])
        if options.notifySystemd { SystemdNotifier.notify("READY=1\nSTATUS=serving") }
        return server
    }

    /// Closes every port and stops the housekeeping. Idempotent; returns once the ports are
    /// closed and the threads have ended.
    public func shutdown() async {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if notifySystemd { SystemdNotifier.notify("STOPPING=1") }
        logger.info("gateway stopping")
        tick.cancel()
        for transport in serialTransports { await transport.stop() }
        for channel in channels { try? await channel.close() }
        for subscriber in subscribers { subscriber.cancel() }
        // After the ports: no new events; every open session is summarised and written.
        await recorder?.stop()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        logger.info("gateway stopped")
    }

    /// GET /metrics: the gauges sampled now, then every series in Prometheus text format.
    static func metricsReply(_ request: HTTPRequest, metrics: GatewayMetrics, engine: any GatewayGauges,
                             events: EventBus) -> HTTPReply {
        guard request.path == "/metrics" else {
            return HTTPReply(status: .notFound, body: jsonError("the metrics are at /metrics"))
        }
        guard request.method == .GET else {
            return HTTPReply(status: .methodNotAllowed, body: jsonError("use GET /metrics"))
        }
        metrics.refresh(gauges: engine, events: events)
        return HTTPReply(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
    }

    /// The configuration's endpoints, checked before anything is opened.
    struct Plan {
        let udp: ListenAddress?
        let admin: ListenAddress?
        let metrics: ListenAddress?

        init(configuration: GatewayConfiguration, adminToken: BearerToken?) throws(GatewayServerError) {
            udp = try ListenAddress.optional(configuration.udpListen)
            admin = try ListenAddress.optional(configuration.adminListen)
            metrics = try ListenAddress.optional(configuration.metricsListen)
            if let admin, !(try admin.isLoopback()) {
                throw .notLoopback(endpoint: "admin API (adminListen)", address: admin.description)
            }
            if let metrics, !(try metrics.isLoopback()) {
                throw .notLoopback(endpoint: "metrics endpoint (metricsListen)", address: metrics.description)
            }
            if admin != nil && adminToken == nil { throw .missingAdminToken }
            let problems = configuration.detection.problems()
            if !problems.isEmpty { throw .configuration(problems.joined(separator: "; ")) }
            guard configuration.engine.maxDatagramBytes > 0 else {
                throw .configuration("engine.maxDatagramBytes must be positive")
            }
            var paths = Set<String>()
            for port in configuration.serialPorts {
                guard !port.path.isEmpty else { throw .configuration("a serial port has an empty path") }
                guard paths.insert(port.path).inserted else {
                    throw .configuration("serial port \(port.path) is listed twice")
                }
                guard SerialPort.supportedBaudRates.contains(port.baudRate) else {
                    throw .unsupportedBaudRate(path: port.path, baudRate: port.baudRate)
                }
            }
        }
    }
}

import ArgumentParser
import Dispatch
import Foundation
import RampartDetection
import Logging
import RampartCluster
import RampartGateway
import RampartGatewayServer
import RampartHostCrypto
import RampartRegistry

/// `rampart gateway …`: the gateway service and its configuration.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run the EDHOC/OSCORE gateway and manage its configuration.",
        discussion: """
            The gateway answers EDHOC handshakes and OSCORE-protected CoAP from devices over UDP \
            and serial ports, applies response actions, and exports Prometheus metrics. \
            docs/gateway.md describes every configuration key, the admin API and the metrics.

              rampart gateway run              # defaults; data in ./rampart-data
              rampart gateway config --print-defaults > gateway.json
              rampart gateway run --config gateway.json --serial /dev/ttyACM0@115200
            """,
        subcommands: [GatewayRun.self, GatewayConfig.self, GatewayCredentialCommand.self])
}

/// `rampart gateway run`: the long-running service.
struct GatewayRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the gateway until SIGTERM or SIGINT.",
        discussion: """
            Settings come from the defaults, then the JSON file given with --config (only the \
            keys it names), then the flags. On first start the data directory is created (mode \
            0700) with the gateway's static keys, the device registry and the admin token.

            Examples:
              rampart gateway run --data-dir /var/lib/rampart
              rampart gateway run --udp '[::]:5683' --serial /dev/ttyACM0 \\
                  --serial /dev/ttyUSB0@921600
              rampart gateway run --config /etc/rampart/gateway.json --log-level debug

            Stops cleanly on SIGTERM or SIGINT (exit status 0). Under systemd (Type=notify) it \
            reports READY=1 once every port is open; see deploy/rampart-gateway.service.
            """)

    @Option(help: ArgumentHelp("JSON configuration file (see `rampart gateway config --print-defaults`).", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory: keys, registry, admin token.", valueName: "DIR"))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("CoAP over UDP listen address (\"\" disables UDP).", valueName: "HOST:PORT"))
    var udp: String?

    @Option(help: ArgumentHelp("A serial port with framed CoAP; repeat for more. Replaces the file's list.",
                               valueName: "PATH[@BAUD]"))
    var serial: [String] = []

    @Option(help: ArgumentHelp("Admin API listen address, loopback only (\"\" disables it).", valueName: "HOST:PORT"))
    var admin: String?

    @Option(help: ArgumentHelp("Prometheus /metrics listen address, loopback only (\"\" disables it).", valueName: "HOST:PORT"))
    var metrics: String?

    @Option(name: .customLong("log-level"),
            help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "LEVEL"))
    var logLevel: String?

    @Option(help: ArgumentHelp("An etcd member's client URL: cluster mode (docs/ledger.md); repeat for each member. Replaces the file's list.",
                               valueName: "URL"))
    var etcd: [String] = []

    @Option(name: .customLong("record-events"), help: ArgumentHelp("""
        Write every event as a JSON line here, to train the detector on this gateway's own traffic \
        (`rampart detect train --events FILE`). Every OSCORE request is a line: for a capture, not for always.
        """, valueName: "FILE"))
    var recordEvents: String?

    func validate() throws {
        for value in serial where parseSerialPortArgument(value) == nil {
            throw ValidationError("--serial \(value): expected PATH or PATH@BAUD, e.g. /dev/ttyACM0@115200")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level \(logLevel): use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Defaults, then the file, then the flags.
    func effectiveConfiguration() throws -> GatewayConfiguration {
        var configuration = try config.map { try ConfigurationFile.load(path: $0) } ?? GatewayConfiguration()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let udp { configuration.udpListen = udp }
        if !serial.isEmpty {
            configuration.serialPorts = serial.compactMap { parseSerialPortArgument($0) }.map {
                GatewayConfiguration.SerialPortConfiguration(path: $0.path, baudRate: $0.baudRate)
            }
        }
        if let admin { configuration.adminListen = admin }
        if let metrics { configuration.metricsListen = metrics }
        if let logLevel { configuration.logLevel = logLevel }
        if !etcd.isEmpty { configuration.cluster.etcdEndpoints = etcd }
        return configuration
    }

    func run() async throws {
        let configuration: GatewayConfiguration
        do { configuration = try effectiveConfiguration() } catch { throw CommandFailure("\(error)") }
        guard let level = Logger.Level(rawValue: configuration.logLevel) else {
            throw CommandFailure("logLevel \"\(configuration.logLevel)\": use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "rampart.gateway")
        var eventFile: EventFile? = nil
        if let recordEvents {
            eventFile = EventFile(path: recordEvents)
            if eventFile == nil { throw CommandFailure("cannot create \(recordEvents) (--record-events)") }
        }

        // Installed before anything starts, so a SIGTERM during start-up stops us cleanly
        // instead of killing the process with ports half open.
        let signals = TerminationSignals([SIGTERM, SIGINT])
        let events = EventBus()
        let server: GatewayServer
        let deployment: GatewayDeployment
        var detectionService: DetectionService? = nil
        do {
            deployment = try GatewayDeployment.open(configuration: configuration, events: events, logger: logger)
            let token = configuration.adminListen.isEmpty
                ? nil : BearerToken(try AdminToken.loadOrCreate(dataDirectory: configuration.dataDirectory))
            var options = GatewayServerOptions()
            options.ledger = deployment.ledgerSink
            if configuration.detection.enabled {
                let model = try DetectionService.loadModel(configuration.detection, dataDirectory: configuration.dataDirectory)
                logger.notice("detector", metadata: [
                    "model": "\(model.map { "\($0.groups.count) groups, \($0.trainedOn)" } ?? "none: rules only (rampart detect train)")"])
                options.detection = DetectionService(configuration: configuration.detection, model: model,
                                                     responder: .engine(deployment.engine), logger: logger)
                detectionService = options.detection
            }
            server = try await GatewayServer.start(configuration: configuration, engine: deployment.engine, events: events,
                                                   adminToken: token, logger: logger, options: options)
        } catch {
            throw CommandFailure("\(error)")
        }
        var recorder: Task<Void, Never>? = nil
        if let file = eventFile, let recordEvents {
            let stream = events.subscribe(capacity: 65_536)
            recorder = Task.detached(name: "rampart-event-recorder") {
                for await event in stream { file.write(event.kind, at: event.time.timeIntervalSince1970) }
                file.close()
            }
            logger.notice("recording events", metadata: ["file": "\(recordEvents)"])
        }
        await deployment.start()
        let signal = await signals.next()
        logger.notice("stopping on signal", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
        await server.shutdown()
        if let detection = detectionService {
            do {
                if let path = try detection.saveLearnedModel(configuration.detection, dataDirectory: configuration.dataDirectory) {
                    logger.notice("detector: the model as online learning left it (review, then rename to adopt)",
                                  metadata: ["file": "\(path)"])
                }
            } catch {
                logger.warning("detector: could not save the learned model", metadata: ["error": "\(error)"])
            }
        }
        do { try await deployment.stop() } catch {
            logger.error("ledger: could not close cleanly (committed blocks are safe)", metadata: ["error": "\(error)"])
        }
        events.finish()
        await recorder?.value
    }

}

/// `rampart gateway config`: the configuration file's format.
struct GatewayConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the default configuration, or check a configuration file.",
        discussion: """
            A configuration file is a JSON object with any of the keys of the default \
            configuration; keys left out keep their defaults, unknown keys are errors. \
            docs/gateway.md explains each key.

              rampart gateway config --print-defaults > gateway.json
              rampart gateway config --check gateway.json     # prints the effective configuration
            """)

    @Flag(name: .customLong("print-defaults"), help: "Print the default configuration as JSON.")
    var printDefaults = false

    @Option(help: ArgumentHelp("Check FILE and print the configuration it gives (defaults filled in).", valueName: "FILE"))
    var check: String?

    func validate() throws {
        if printDefaults == (check != nil) {
            throw ValidationError("give either --print-defaults or --check FILE")
        }
    }

    func run() throws {
        if let check {
            do {
                print(ConfigurationFile.encode(try ConfigurationFile.load(path: check)))
            } catch {
                throw CommandFailure("\(error)")
            }
        } else {
            print(ConfigurationFile.encode(GatewayConfiguration()))
        }
    }
}

/// SIGTERM / SIGINT as an async sequence: the default action (terminate at once) is replaced
/// by a dispatch source, so the gateway can close its ports and exit 0.
final class TerminationSignals {
    private var sources: [any DispatchSourceSignal] = []
    private let stream: AsyncStream<Int32>

    init(_ numbers: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        let queue = DispatchQueue(label: "rampart.signals")
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received.
    func next() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }
}

import Foundation
import Logging
import NIOCore
import RampartGateway
import RampartGatewayServer
import RampartHostCrypto
import RampartRegistry
import RampartSimulator
import Testing

/// The real gateway — key store, SQLite registry, protocol engine, NIO transports — in a
/// temporary data directory, as `rampart gateway run` assembles it.
final class LiveGateway: @unchecked Sendable {
    let dataDirectory: String
    let registry: SQLiteDeviceRegistry
    private(set) var engine: GatewayEngine
    private(set) var server: GatewayServer
    private(set) var events: EventBus
    var configuration: GatewayConfiguration

    init(serialPorts: [String] = [], limits: GatewayConfiguration.EngineLimits? = nil) async throws {
        dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rampart-e2e-\(UUID().uuidString)").path
        var configuration = GatewayConfiguration()
        configuration.dataDirectory = dataDirectory
        configuration.udpListen = "127.0.0.1:0"
        configuration.adminListen = ""
        configuration.metricsListen = "127.0.0.1:0"
        configuration.serialPorts = serialPorts.map { .init(path: $0) }
        if let limits { configuration.engine = limits }
        self.configuration = configuration
        registry = try SQLiteDeviceRegistry(dataDirectory: dataDirectory)
        (engine, server, events) = try await Self.start(configuration, registry: registry)
    }

    private static func start(_ configuration: GatewayConfiguration, registry: SQLiteDeviceRegistry) async throws
        -> (GatewayEngine, GatewayServer, EventBus) {
        let events = EventBus()
        let engine = try GatewayEngine.open(configuration: configuration, registry: registry, events: events,
                                            logger: quietLogger)
        let server = try await GatewayServer.start(configuration: configuration, engine: engine, events: events,
                                                   adminToken: nil, logger: quietLogger, options: testOptions())
        return (engine, server, events)
    }

    var udpAddress: SocketAddress { server.udpAddress! }

    func credential(suite: Int32) throws -> [UInt8] {
        try GatewayKeyStore.credential(suite: suite, dataDirectory: dataDirectory)
    }

    /// Stops the service and starts a new one on the same UDP port with the same data
    /// directory: keys and registry survive, sessions do not.
    func restart() async throws {
        let port = udpAddress.port!
        await server.shutdown()
        configuration.udpListen = "127.0.0.1:\(port)"
        (engine, server, events) = try await Self.start(configuration, registry: registry)
    }

    func shutdown() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// A simulated fleet registered in this gateway's registry.
    func fleetOptions(devices: Int, suite: Int32, seconds: Double, readingsPerSecond: Double = 4,
                      seed: UInt64 = 7) throws -> SimulatorOptions {
        _ = try SimulatedFleet.register(count: devices, seed: seed, suite: suite, into: registry)
        var options = SimulatorOptions(gateway: udpAddress, gatewayCredential: try credential(suite: suite),
                                       deviceCount: devices, readingsPerSecond: readingsPerSecond,
                                       durationSeconds: seconds, suite: suite, seed: seed, rampUpSeconds: 0.5,
                                       threads: 1)
        options.maxSockets = devices
        return options
    }

    /// The kid of fleet device `index`.
    static func kid(index: Int, seed: UInt64 = 7, suite: Int32) throws -> [UInt8] {
        try SimulatedIdentity(index: index, seed: seed, suite: suite, crypto: HostCrypto()).kid
    }
}

/// Runs `body` with a live gateway and always shuts it down.
func withLiveGateway<T>(serialPorts: [String] = [], limits: GatewayConfiguration.EngineLimits? = nil,
                        _ body: (LiveGateway) async throws -> T) async throws -> T {
    let gateway = try await LiveGateway(serialPorts: serialPorts, limits: limits)
    do {
        let result = try await body(gateway)
        await gateway.shutdown()
        return result
    } catch {
        await gateway.shutdown()
        throw error
    }
}

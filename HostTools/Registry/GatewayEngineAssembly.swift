import Logging
import RampartGateway
import RampartHostCrypto

extension GatewayEngine {
    /// The engine a gateway runs over its data directory: the static keys of
    /// `GatewayKeyStore` (created on first start, unsealed with `keySealingKeyFile` if set)
    /// and the SQLite registry — `registry` when the caller keeps one open, otherwise opened
    /// here. The engine wipes the private keys once it has loaded them.
    /// `directory`, when given, is what the engine asks instead (the cluster's, over the registry).
    public static func open(configuration: GatewayConfiguration, registry: SQLiteDeviceRegistry? = nil,
                            directory: (any DeviceDirectory)? = nil,
                            events: EventBus, logger: Logger) throws -> GatewayEngine {
        let keys = try GatewayKeyStore.loadOrCreate(dataDirectory: configuration.dataDirectory,
                                                    sealingKeyFile: configuration.keySealingKeyFile,
                                                    crypto: try HostCrypto())
        let devices: any DeviceDirectory = try directory ?? registry ?? SQLiteDeviceRegistry(dataDirectory: configuration.dataDirectory)
        return try GatewayEngine(configuration: configuration.engine, keys: keys, devices: devices, events: events,
                                 logger: logger)
    }
}

import Logging
import RampartGateway
import RampartHostCrypto

extension GatewayEngine {
    /// The engine a gateway runs over its data directory: the static keys of
    /// `GatewayKeyStore` (created on first start, unsealed with `keySealingKeyFile` if set)
    /// and the SQLite registry — `registry` when the caller keeps one open, otherwise opened
    /// here. The engine wipes the private keys once it has loaded them.
    public static func open(configuration: GatewayConfiguration, registry: SQLiteDeviceRegistry? = nil,
                            events: EventBus, logger: Logger) throws -> GatewayEngine {
        let keys = try GatewayKeyStore.loadOrCreate(dataDirectory: configuration.dataDirectory,
                                                    sealingKeyFile: configuration.keySealingKeyFile,
                                                    crypto: try HostCrypto())
        let devices = try registry ?? SQLiteDeviceRegistry(dataDirectory: configuration.dataDirectory)
        return try GatewayEngine(configuration: configuration.engine, keys: keys, devices: devices, events: events,
                                 logger: logger)
    }
}

import Foundation
import RampartHostCrypto
import RampartRegistry

/// The gateway's side of provisioning, from its data directory: the registry the board is
/// entered into and CRED_R, the credential the board will authenticate the gateway by.
public struct GatewayContext {
    public let dataDirectory: String
    public let registry: SQLiteDeviceRegistry
    /// CRED_R for `suite`.
    public let gatewayCredential: [UInt8]
    public let suite: Int32

    /// Opens the registry and reads CRED_R of `suite`. If the gateway never ran, its keys are
    /// created first, exactly as `rampart gateway credential` and the gateway's first start
    /// do (sealed when `sealingKeyFile` is given), so that the board gets the credential the
    /// gateway will use. The private keys are wiped at once.
    public init(dataDirectory: String, sealingKeyFile: String?, suite: Int32) throws(ProvisioningError) {
        do {
            registry = try SQLiteDeviceRegistry(dataDirectory: dataDirectory)
        } catch {
            throw .registry("\(error)")
        }
        do {
            let keyFile = DataDirectoryLayout.path(dataDirectory, try GatewayKeyStore.keyFileName(suite: suite))
            if !FileManager.default.fileExists(atPath: keyFile) {
                var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: sealingKeyFile,
                                                            crypto: try HostCrypto())
                for i in keys.indices { keys[i].wipe() }
            }
            gatewayCredential = try GatewayKeyStore.credential(suite: suite, dataDirectory: dataDirectory)
        } catch {
            throw .gatewayKeys("\(error)")
        }
        self.dataDirectory = dataDirectory
        self.suite = suite
    }
}

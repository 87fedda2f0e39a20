/// One of the gateway's static EDHOC keys as loaded from its data directory: the private
/// key and its CCS credential (CRED_R). `GatewayEngine` takes these at start and wipes them;
/// the key store (`RampartRegistry.GatewayKeyStore`) creates them on first start.
public struct GatewayKeyMaterial: Sendable {
    /// 0 (X25519) or 2 (P-256).
    public let suite: Int32
    /// The 32-byte private key (X25519 scalar or P-256 scalar). Secret.
    public private(set) var privateKey: [UInt8]
    /// CRED_R: the CCS with the public key and the kid.
    public let credential: [UInt8]

    public init(suite: Int32, privateKey: [UInt8], credential: [UInt8]) {
        self.suite = suite
        self.privateKey = privateKey
        self.credential = credential
    }

    /// Zeroes the private key.
    public mutating func wipe() {
        for i in privateKey.indices { privateKey[i] = 0 }
        privateKey.removeAll()
    }
}

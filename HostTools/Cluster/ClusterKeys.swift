import RampartLedger

/// Where a cluster keeps its state in etcd, under the configured prefix (docs/ledger.md,
/// "Cluster mode"):
///
/// | key | value |
/// |---|---|
/// | `<prefix>/ledger/blocks/<number, 20 digits>` | a `LedgerBlock` (CBOR), created once: the log's order |
/// | `<prefix>/heads/<gateway id>` | the latest `TreeHead` of that gateway's local copy |
/// | `<prefix>/devices/<kid hex>` | a device's registration (JSON) |
/// | `<prefix>/status/<kid hex>` | a device's status: quarantine and revocation (JSON) |
/// | `<prefix>/sessions/<kid hex>` | the gateway that completed the kid's latest handshake (JSON) |
///
/// Block numbers are zero-padded so that etcd's byte order is the log's order.
public struct ClusterKeys: Sendable {
    public let prefix: String

    public init(prefix: String) {
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed
    }

    public var blocks: String { prefix + "/ledger/blocks/" }
    public var heads: String { prefix + "/heads/" }
    public var devices: String { prefix + "/devices/" }
    public var statuses: String { prefix + "/status/" }
    public var sessions: String { prefix + "/sessions/" }

    public func block(_ number: UInt64) -> String {
        let digits = String(number)
        return blocks + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The block number in a block key.
    public func blockNumber(_ key: String) -> UInt64? {
        guard key.hasPrefix(blocks) else { return nil }
        return UInt64(key.dropFirst(blocks.count))
    }

    public func head(_ gateway: GatewayID) -> String { heads + gateway.hex }
    public func device(_ kid: [UInt8]) -> String { devices + LedgerJSON.hex(kid) }
    public func status(_ kid: [UInt8]) -> String { statuses + LedgerJSON.hex(kid) }
    public func session(_ kid: [UInt8]) -> String { sessions + LedgerJSON.hex(kid) }

    /// The kid in a device, status or session key.
    public func kid(_ key: String) -> [UInt8]? {
        for folder in [devices, statuses, sessions] where key.hasPrefix(folder) {
            return ClusterKeys.bytes(hex: String(key.dropFirst(folder.count)))
        }
        return nil
    }

    static func bytes(hex: String) -> [UInt8]? { LedgerJSON.bytes(hex: hex) }
}

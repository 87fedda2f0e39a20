/// The files of a gateway's data directory (created on first start, mode 0700).
public enum DataDirectoryLayout {
    /// The device registry (SQLite, WAL).
    public static let registry = "registry.sqlite"
    /// The static EDHOC key for suite 0 (X25519), 0600.
    public static let suite0Key = "gateway-suite0.key"
    /// The static EDHOC key for suite 2 (P-256), 0600.
    public static let suite2Key = "gateway-suite2.key"
    /// The admin API's bearer token, 0600.
    public static let adminToken = "admin.token"
    /// The ledger (SQLite, WAL; docs/ledger.md).
    public static let ledger = "ledger.sqlite"
    /// The gateway's Ed25519 ledger-signing seed, 0600.
    public static let ledgerSigningKey = "ledger-signing.key"
}

/// A gateway's name in the ledger: the first 8 bytes of SHA-256 of its 32-byte Ed25519
/// public key (docs/ledger.md). Entries and tree heads carry it instead of the key; the key
/// itself enters the log once, in the gateway's membership entry.
public struct GatewayID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bytes of a gateway id.
    public static let byteCount = 8

    public let bytes: [UInt8]

    /// The id whose bytes are `bytes`; nil unless there are exactly 8.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// The id of the gateway whose Ed25519 public key is `publicKey`.
    public init(publicKey: [UInt8]) {
        bytes = Array(LedgerFormatSupport.sha256(publicKey).prefix(Self.byteCount))
    }

    /// Parses 16 hex digits (either case).
    public init?(hex: String) {
        guard let bytes = LedgerFormatSupport.bytes(fromHex: Array(hex.utf8)), bytes.count == Self.byteCount else {
            return nil
        }
        self.bytes = bytes
    }

    /// 16 lower-case hex digits.
    public var hex: String { LedgerFormatSupport.hex(bytes) }

    public var description: String { hex }

    public static func < (lhs: GatewayID, rhs: GatewayID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// The key usage counters of a Security Context (draft-ietf-core-oscore-key-limits §2.2):
/// `countQ` messages protected with the Sender Key and `countV` failed decryptions
/// (forgery attempts) with the Recipient Key. For AES-CCM-16-64-128 (AEAD_AES_128_CCM_8)
/// the draft's limits are q = 2^20 and v = 2^14 (with l = 2^8 blocks per message).
public struct OSCOREKeyUsage: Equatable, Sendable {
    /// limit_q for AEAD_AES_128_CCM_8.
    public static let limitQ: UInt32 = 1 &<< 20
    /// limit_v for AEAD_AES_128_CCM_8.
    public static let limitV: UInt32 = 1 &<< 14

    /// count_q: encryptions with the Sender Key.
    public internal(set) var countQ: UInt32
    /// count_v: failed decryptions with the Recipient Key.
    public internal(set) var countV: UInt32

    public init(countQ: UInt32 = 0, countV: UInt32 = 0) {
        self.countQ = countQ
        self.countV = countV
    }

    /// Whether the Sender Key may protect one more message.
    public var canProtect: Bool { countQ < Self.limitQ }
    /// Whether the Recipient Key may try one more decryption. Stricter by one than the
    /// draft (which stops after count_v exceeds limit_v): at most limit_v failures.
    public var canUnprotect: Bool { countV < Self.limitV }
    /// A re-key is due: either limit is reached.
    public var isRekeyDue: Bool { !canProtect || !canUnprotect }
}

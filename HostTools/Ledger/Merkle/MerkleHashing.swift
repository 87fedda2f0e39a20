// RFC 9162 §2.1.1: the hashes of the ledger's Merkle tree, through libsodium's SHA-256.
import CSodium

/// The two hash functions of RFC 9162 §2.1.1 and the hash of the empty tree.
///
/// The one-byte prefixes keep leaves and interior nodes apart (a leaf input can never be
/// passed off as two child hashes). Each hash runs on a `crypto_hash_sha256_state` on the
/// stack, fed the prefix and the inputs in place: nothing is concatenated and nothing is
/// allocated, which matters when a verifier rehashes millions of nodes. libsodium's SHA-256 is
/// portable C with no run-time CPU dispatch, so it needs no `sodium_init()` first.
public enum MerkleHashing {
    /// The domain-separation prefix of a leaf hash.
    public static let leafPrefix: UInt8 = 0x00
    /// The domain-separation prefix of an interior node hash.
    public static let nodePrefix: UInt8 = 0x01

    /// `MTH({d}) = SHA-256(0x00 || d)`: the hash of a leaf whose input is `leafInput` (for the
    /// ledger, the encoded signed entry).
    public static func leafHash(_ leafInput: [UInt8]) -> LedgerHash {
        leafInput.withUnsafeBytes { leafHash(rawInput: $0) }
    }

    /// `SHA-256(0x00 || d)` of a leaf input held elsewhere, without copying it.
    public static func leafHash(_ leafInput: Span<UInt8>) -> LedgerHash {
        leafInput.withUnsafeBytes { leafHash(rawInput: $0) }
    }

    /// `SHA-256(0x01 || left || right)`: the hash of an interior node from its children's.
    public static func nodeHash(_ left: LedgerHash, _ right: LedgerHash) -> LedgerHash {
        var state = crypto_hash_sha256_state()
        var prefix = nodePrefix
        var digest = LedgerHash()
        // None of these calls can fail: libsodium's SHA-256 always returns 0.
        _ = crypto_hash_sha256_init(&state)
        _ = crypto_hash_sha256_update(&state, &prefix, 1)
        left.withUnsafeBytes { update(&state, $0) }
        right.withUnsafeBytes { update(&state, $0) }
        digest.withUnsafeMutableBytes { finish(&state, into: $0) }
        return digest
    }

    /// `MTH({}) = SHA-256()`, the root of the empty tree:
    /// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.
    public static let emptyRoot: LedgerHash = {
        var state = crypto_hash_sha256_state()
        var digest = LedgerHash()
        _ = crypto_hash_sha256_init(&state)
        digest.withUnsafeMutableBytes { finish(&state, into: $0) }
        return digest
    }()

    private static func leafHash(rawInput: UnsafeRawBufferPointer) -> LedgerHash {
        var state = crypto_hash_sha256_state()
        var prefix = leafPrefix
        var digest = LedgerHash()
        _ = crypto_hash_sha256_init(&state)
        _ = crypto_hash_sha256_update(&state, &prefix, 1)
        update(&state, rawInput)
        digest.withUnsafeMutableBytes { finish(&state, into: $0) }
        return digest
    }

    /// Absorbs `bytes`. An empty buffer may have no address, and libsodium declares its input
    /// `nonnull`, so nothing is passed for it (absorbing nothing is a no-op).
    private static func update(_ state: inout crypto_hash_sha256_state, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    private static func finish(_ state: inout crypto_hash_sha256_state, into digest: UnsafeMutableRawBufferPointer) {
        _ = crypto_hash_sha256_final(&state, digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }
}

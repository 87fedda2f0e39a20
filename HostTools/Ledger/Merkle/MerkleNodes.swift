// Where the Merkle log's perfect subtree hashes come from: a store (SQLite), or memory.

/// A source of perfect (complete) subtree hashes, which is all that proofs and roots need.
///
/// The node at `(level, index)` is the root of the perfect subtree over the `2^level` leaves
/// `[index << level, (index + 1) << level)`; level 0 holds the leaf hashes. Every hash of a tree
/// of any size is either such a node or folds from at most `log2(size)` of them, so a store
/// keeps only these (they never change once the log has grown past them) and answers every
/// proof with O(log n) reads. Errors thrown by `node` propagate out of `MerkleProofs` and
/// `MerkleFrontier` unchanged.
public protocol MerkleNodeSource {
    /// The hash of the perfect subtree at `(level, index)`. Throws when the source does not
    /// hold it (the tree is smaller than `(index + 1) << level`) or cannot read it.
    func node(level: Int, index: UInt64) throws -> LedgerHash
}

/// One perfect subtree hash, named by its position (see `MerkleNodeSource`).
public struct MerkleNode: Sendable, Hashable, CustomStringConvertible {
    /// Height above the leaves: 0 for a leaf hash, `k` for a subtree of `2^k` leaves.
    public let level: Int
    /// Position among the nodes of its level, from the left: it covers leaves
    /// `[index << level, (index + 1) << level)`.
    public let index: UInt64
    public let hash: LedgerHash

    public init(level: Int, index: UInt64, hash: LedgerHash) {
        self.level = level
        self.index = index
        self.hash = hash
    }

    public var description: String { "(\(level), \(index)) \(hash.hex)" }
}

/// Why a node source could not answer.
public enum MerkleNodeSourceError: Error, Equatable, CustomStringConvertible {
    /// The source holds no node at `(level, index)`: the tree it holds is smaller than the size
    /// the proof or root was asked for.
    case missingNode(level: Int, index: UInt64)

    public var description: String {
        switch self {
        case .missingNode(let level, let index):
            // (index + 1) << level is the smallest tree with that node, when one exists.
            guard level >= 0, level < UInt64.bitWidth, index < UInt64.max >> UInt64(level) else {
                return "no Merkle tree has a node at level \(level), index \(index): the caller asked for an impossible position"
            }
            return "the Merkle node (level \(level), index \(index)) is not stored: the tree holds fewer than "
                + "\((index + 1) << UInt64(level)) leaves; ask for a proof or root at a size it has reached"
        }
    }
}

/// Every perfect node of a tree, level by level, in memory: for tests, verification of a log
/// read from elsewhere, and benchmarks. About 2n hashes (64 n bytes) for n leaves.
public struct InMemoryMerkleNodes: MerkleNodeSource, Sendable {
    /// `levels[k][i]` is the node at `(k, i)`.
    private var levels: [[LedgerHash]] = []

    /// Number of leaves appended.
    public private(set) var size: UInt64 = 0

    /// An empty tree.
    public init() {}

    /// The tree whose leaf hashes are `leafHashes`, in order.
    public init(leafHashes: some Sequence<LedgerHash>) {
        for leafHash in leafHashes { append(leafHash) }
    }

    /// Appends a leaf hash and every perfect node it completes (one per trailing 1 bit of the
    /// old size).
    public mutating func append(_ leafHash: LedgerHash) {
        var hash = leafHash
        var level = 0
        while true {
            if level == levels.count { levels.append([]) }
            levels[level].append(hash)
            let count = levels[level].count
            guard count % 2 == 0 else { break }
            hash = MerkleHashing.nodeHash(levels[level][count - 2], levels[level][count - 1])
            level += 1
        }
        size += 1
    }

    public func node(level: Int, index: UInt64) throws -> LedgerHash {
        guard level >= 0, level < levels.count, index < UInt64(levels[level].count) else {
            throw MerkleNodeSourceError.missingNode(level: level, index: index)
        }
        return levels[level][Int(index)]
    }

    /// The leaf hash at `index`, or nil past the end.
    public func leafHash(at index: UInt64) -> LedgerHash? {
        guard let leaves = levels.first, index < UInt64(leaves.count) else { return nil }
        return leaves[Int(index)]
    }
}

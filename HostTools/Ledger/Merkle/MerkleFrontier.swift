// The right edge of the growing log: what an appender needs to keep, and nothing more.

/// The right edge of a growing tree (a "compact range"): one perfect subtree hash per 1 bit of
/// `size`, largest (leftmost) first. That is all an appender needs: a new leaf merges with the
/// trailing perfect subtrees of equal size, and the root folds the list from the right.
///
/// `append` returns the perfect nodes the leaf completes (the leaf itself at level 0, then one
/// parent per trailing 1 bit of the old size), which are exactly the nodes a store must add for
/// `MerkleProofs` to serve the new size: about two per entry on average.
public struct MerkleFrontier: Sendable, Equatable {
    /// The perfect subtrees tiling `[0, size)`, one per 1 bit of `size`, highest bit first.
    private var hashes: [LedgerHash]

    /// Number of leaves appended.
    public private(set) var size: UInt64

    /// The empty tree.
    public init() {
        hashes = []
        size = 0
    }

    /// The frontier of the first `size` leaves of a stored tree: `popcount(size)` node reads.
    ///
    /// - Throws: whatever `nodes` throws (for instance when it holds fewer than `size` leaves).
    public init(size: UInt64, nodes: some MerkleNodeSource) throws {
        hashes = []
        hashes.reserveCapacity(size.nonzeroBitCount)
        var start: UInt64 = 0
        var remaining = size
        while remaining != 0 {
            let level = UInt64.bitWidth - 1 - remaining.leadingZeroBitCount
            hashes.append(try nodes.node(level: level, index: start >> UInt64(level)))
            start += 1 << UInt64(level)
            remaining -= 1 << UInt64(level)
        }
        self.size = size
    }

    /// Appends a leaf hash; returns the perfect nodes it completes, level 0 (the leaf at index
    /// `size` before the append) first.
    @discardableResult
    public mutating func append(_ leafHash: LedgerHash) -> [MerkleNode] {
        precondition(size < UInt64.max, "the Merkle log is full (2^64 - 1 leaves)")
        var completed = [MerkleNode(level: 0, index: size, hash: leafHash)]
        var hash = leafHash
        var level = 0
        var index = size
        // Each trailing 1 bit of the old size is a perfect subtree of 2^level leaves just
        // left of the new one: they merge into a subtree twice as large.
        while (size >> UInt64(level)) & 1 == 1 {
            hash = MerkleHashing.nodeHash(hashes.removeLast(), hash)
            level += 1
            index >>= 1
            completed.append(MerkleNode(level: level, index: index, hash: hash))
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    /// `MTH(D[0:size])`: the frontier's hashes folded from the right; `MerkleHashing.emptyRoot`
    /// for the empty tree. Costs `popcount(size) - 1` node hashes.
    public var root: LedgerHash {
        guard var root = hashes.last else { return MerkleHashing.emptyRoot }
        for left in hashes.dropLast().reversed() {
            root = MerkleHashing.nodeHash(left, root)
        }
        return root
    }

    /// The frontier's perfect nodes, leftmost (largest) first: the nodes `init(size:nodes:)`
    /// reads back.
    public var nodes: [MerkleNode] {
        var result: [MerkleNode] = []
        result.reserveCapacity(hashes.count)
        var start: UInt64 = 0
        var remaining = size
        for hash in hashes {
            let level = UInt64.bitWidth - 1 - remaining.leadingZeroBitCount
            result.append(MerkleNode(level: level, index: start >> UInt64(level), hash: hash))
            start += 1 << UInt64(level)
            remaining -= 1 << UInt64(level)
        }
        return result
    }
}

// RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH and §2.1.4.1 PROOF over stored perfect subtrees.

/// Tree roots, inclusion proofs and consistency proofs, read from any `MerkleNodeSource`.
///
/// The RFC defines all three recursively over the leaves. Every subtree that recursion meets
/// is `[start, start + count)` with `start` a multiple of the largest power of two in `count`,
/// so it is either a stored perfect node (`count` a power of two: one read) or a right-edge
/// subtree that the perfect nodes of `count`'s binary digits tile (`popcount(count)` reads).
/// Walking the recursion top-down, a proof meets at most one right-edge subtree as a sibling:
/// once the walk turns left its subtree is perfect, and so is everything below it. A proof
/// therefore costs at most about 2 log2(n) node reads and hashes, never O(log² n) or O(n):
/// a store serves it with a handful of indexed reads.
public enum MerkleProofs {
    /// `MTH(D[0:size])`: the root of the first `size` leaves (`MerkleHashing.emptyRoot` for
    /// 0), from `popcount(size)` node reads.
    public static func rootHash(size: UInt64, nodes: some MerkleNodeSource) throws -> LedgerHash {
        guard size > 0 else { return MerkleHashing.emptyRoot }
        return try subtreeHash(start: 0, count: size, nodes: nodes)
    }

    /// `PATH(index, D[0:size])` of RFC 9162 §2.1.3.1: the sibling hashes from the leaf up to
    /// the root, deepest first (empty for a tree of one leaf).
    ///
    /// - Throws: `MerkleProofError.indexOutOfRange` unless `index < size`; the node source's
    ///   errors (such as a size beyond the stored tree).
    public static func inclusionProof(index: UInt64, size: UInt64,
                                      nodes: some MerkleNodeSource) throws -> [LedgerHash] {
        guard index < size else { throw MerkleProofError.indexOutOfRange }
        // Top-down: the RFC appends each level's sibling after the deeper part of the path, so
        // the siblings come out in reverse.
        var proof: [LedgerHash] = []
        proof.reserveCapacity(inclusionProofLength(index: index, size: size))
        var start: UInt64 = 0 // the current subtree is [start, start + count)
        var count = size
        var m = index
        while count > 1 {
            let k = MerkleTreeShape.split(count)
            if m < k {
                // PATH(m, D[0:k]) : MTH(D[k:n])
                proof.append(try subtreeHash(start: start + k, count: count - k, nodes: nodes))
                count = k
            } else {
                // PATH(m - k, D[k:n]) : MTH(D[0:k]) (D[0:k] is perfect)
                proof.append(try perfectNode(start: start, count: k, nodes: nodes))
                start += k
                count -= k
                m -= k
            }
        }
        proof.reverse()
        return proof
    }

    /// `PROOF(oldSize, D[0:newSize])` of RFC 9162 §2.1.4.1: the hashes that show the tree of
    /// `oldSize` leaves is a prefix of the tree of `newSize` leaves. Empty when `oldSize` is 0
    /// or equals `newSize` (the RFC defines PROOF only for `0 < m < n`; those trees are
    /// consistent without one).
    ///
    /// - Throws: `MerkleProofError.sizeOutOfRange` when `oldSize > newSize`; the node source's
    ///   errors.
    public static func consistencyProof(from oldSize: UInt64, to newSize: UInt64,
                                        nodes: some MerkleNodeSource) throws -> [LedgerHash] {
        guard oldSize <= newSize else { throw MerkleProofError.sizeOutOfRange }
        guard oldSize > 0, oldSize < newSize else { return [] }
        var proof: [LedgerHash] = []
        proof.reserveCapacity(consistencyProofLength(oldSize: oldSize, newSize: newSize))
        // SUBPROOF(m, D[start : start + count], b), walked top-down like `inclusionProof`.
        var start: UInt64 = 0
        var count = newSize
        var m = oldSize
        var wholeOldTree = true // the RFC's b: is the current subtree's first m leaves the old tree?
        while m != count {
            let k = MerkleTreeShape.split(count)
            if m <= k {
                // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
                proof.append(try subtreeHash(start: start + k, count: count - k, nodes: nodes))
                count = k
            } else {
                // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
                proof.append(try perfectNode(start: start, count: k, nodes: nodes))
                start += k
                count -= k
                m -= k
                wholeOldTree = false
            }
        }
        // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b true the verifier has the old root.
        // Here m == count, and the walk reached this subtree either by turning left (count a
        // power of two) or not at all (m == n, excluded above): it is a stored node.
        if !wholeOldTree {
            proof.append(try perfectNode(start: start, count: count, nodes: nodes))
        }
        proof.reverse()
        return proof
    }

    /// The number of hashes in `PATH(index, D[0:size])` (for `index < size`): one per level
    /// where the paths to `index` and to the last leaf differ, plus one per perfect left
    /// sibling above them.
    public static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        precondition(index < size, "an inclusion proof needs index < size")
        let inner = UInt64.bitWidth - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    /// The number of hashes in `PROOF(oldSize, D[0:newSize])` (0 when `oldSize` is 0 or equals
    /// `newSize`; requires `oldSize <= newSize`).
    public static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        precondition(oldSize <= newSize, "a consistency proof needs oldSize <= newSize")
        guard oldSize > 0, oldSize < newSize else { return 0 }
        // The path to the old tree's last leaf, less the levels inside the old tree's last
        // perfect subtree (whose root the proof starts from), plus that root unless it is the
        // whole old tree (oldSize a power of two: the verifier has it).
        let shift = oldSize.trailingZeroBitCount
        let path = inclusionProofLength(index: oldSize - 1, size: newSize)
        let seed = oldSize == 1 << UInt64(shift) ? 0 : 1
        return seed + path - shift
    }

    // MARK: Subtrees

    /// `MTH(D[start : start + count])` for a subtree of the RFC recursion (`count > 0`, `start`
    /// a multiple of the largest power of two in `count`): the perfect nodes of `count`'s
    /// binary digits, largest first, folded from the right.
    static func subtreeHash(start: UInt64, count: UInt64, nodes: some MerkleNodeSource) throws -> LedgerHash {
        // The lowest digit's node is the rightmost; each higher digit's node is the left child
        // of the hash so far.
        var remaining = count
        let lowest = remaining.trailingZeroBitCount
        remaining &= remaining - 1
        var hash = try nodes.node(level: lowest, index: (start + remaining) >> UInt64(lowest))
        while remaining != 0 {
            let level = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            let left = try nodes.node(level: level, index: (start + remaining) >> UInt64(level))
            hash = MerkleHashing.nodeHash(left, hash)
        }
        return hash
    }

    /// The stored node over `[start, start + count)`, `count` a power of two dividing `start`.
    private static func perfectNode(start: UInt64, count: UInt64, nodes: some MerkleNodeSource) throws -> LedgerHash {
        let level = count.trailingZeroBitCount
        return try nodes.node(level: level, index: start >> UInt64(level))
    }
}

/// The arithmetic of RFC 9162's recursive split.
enum MerkleTreeShape {
    /// The RFC's k for n > 1: the largest power of two smaller than n. D[0:k] is the left
    /// subtree (perfect), D[k:n] the right.
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n > 1, "only a tree of two or more leaves splits")
        return 1 << UInt64(UInt64.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}

// RFC 9162 §2.1.3.2 and §2.1.4.2: checking inclusion and consistency proofs.

/// Why a Merkle proof was rejected (or could not be made).
public enum MerkleProofError: Error, Equatable, CustomStringConvertible {
    /// The leaf index is not below the tree size: that tree has no such leaf.
    case indexOutOfRange
    /// The old tree size is larger than the new one.
    case sizeOutOfRange
    /// The proof has `got` hashes where RFC 9162 needs `expected` for these sizes.
    case wrongProofLength(expected: Int, got: Int)
    /// The proof does not lead to the root(s) given.
    case rootMismatch

    public var description: String {
        switch self {
        case .indexOutOfRange:
            "the leaf index is not below the tree size, so that tree has no such leaf: check the index, "
                + "or ask for a proof against a later tree head that includes it"
        case .sizeOutOfRange:
            "the old tree size is larger than the new one: a consistency proof goes from an earlier "
                + "(smaller) tree head to a later one; swap the two tree heads"
        case .wrongProofLength(let expected, let got):
            "the proof has \(got) hashes where RFC 9162 needs \(expected) for this index and size: it was "
                + "made for another index or tree size, or was truncated or padded; fetch it again"
        case .rootMismatch:
            "the proof does not lead to the given root hash: the entry is not in that tree, the log was "
                + "rewritten, or the proof or tree head was altered; do not trust this log until explained"
        }
    }
}

/// Checks proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe, with the proof's length
/// checked first so a malformed proof is named as such rather than as a root mismatch. Costs
/// one node hash per proof element (two for consistency), no node reads and no allocation.
public enum MerkleVerification {
    /// Checks that `leafHash` is the leaf at `index` of the tree of `size` leaves whose root is
    /// `root`, by the inclusion `proof` (`PATH(index, D[0:size])`).
    public static func verifyInclusion(leafHash: LedgerHash, index: UInt64, size: UInt64,
                                       proof: [LedgerHash], root: LedgerHash) throws(MerkleProofError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof)
        guard computed == root else { throw .rootMismatch }
    }

    /// The root that `proof` leads to from `leafHash` at `index` in a tree of `size` leaves:
    /// steps 1-4 of RFC 9162 §2.1.3.2, for callers that compare it with several roots.
    public static func rootFromInclusionProof(leafHash: LedgerHash, index: UInt64, size: UInt64,
                                              proof: [LedgerHash]) throws(MerkleProofError) -> LedgerHash {
        // 1. leaf_index must be below tree_size.
        guard index < size else { throw .indexOutOfRange }
        let expected = MerkleProofs.inclusionProofLength(index: index, size: size)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }
        // 2-3.
        var fn = index
        var sn = size - 1
        var r = leafHash
        // 4.
        for p in proof {
            // a. A path longer than the tree is high (cannot happen after the length check).
            guard sn != 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
            // b. fn is a right child, or the last node of its level (no right sibling there).
            if fn & 1 == 1 || fn == sn {
                r = MerkleHashing.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHashing.nodeHash(r, p)
            }
            // c.
            fn >>= 1
            sn >>= 1
        }
        // 5. (first half) A path shorter than the tree is high (cannot happen either).
        guard sn == 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
        return r
    }

    /// Checks that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with root `newRoot`, by the consistency `proof`
    /// (`PROOF(oldSize, D[0:newSize])`).
    ///
    /// The RFC defines proofs only for `0 < oldSize < newSize`. Otherwise the proof must be
    /// empty, and: equal sizes need equal roots; an old size of 0 needs `oldRoot` to be the
    /// empty tree's root (any tree extends the empty one, but a claimed root for it must be
    /// right).
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: LedgerHash,
                                         newRoot: LedgerHash, proof: [LedgerHash]) throws(MerkleProofError) {
        guard oldSize <= newSize else { throw .sizeOutOfRange }
        let expected = MerkleProofs.consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }
        if oldSize == 0 {
            guard oldRoot == MerkleHashing.emptyRoot else { throw .rootMismatch }
            if newSize == 0 { guard newRoot == oldRoot else { throw .rootMismatch } }
            return
        }
        if oldSize == newSize {
            guard oldRoot == newRoot else { throw .rootMismatch }
            return
        }

        // 2. When the old tree is perfect it is a node of the new one, and the proof starts
        //    from its root, which the verifier already has (the RFC prepends it).
        let oldIsPerfect = oldSize & (oldSize - 1) == 0
        var path = proof[...]
        let first = oldIsPerfect ? oldRoot : path.removeFirst()
        // 3.
        var fn = oldSize - 1
        var sn = newSize - 1
        // 4. Skip the levels inside the old tree's last perfect subtree.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5.
        var fr = first
        var sr = first
        // 6.
        for c in path {
            // a. (cannot happen after the length check)
            guard sn != 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
            // b.
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHashing.nodeHash(c, fr)
                sr = MerkleHashing.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHashing.nodeHash(sr, c)
            }
            // c.
            fn >>= 1
            sn >>= 1
        }
        // 7.
        guard sn == 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
        guard fr == oldRoot, sr == newRoot else { throw .rootMismatch }
    }
}

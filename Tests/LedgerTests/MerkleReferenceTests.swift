// MerkleProofs and MerkleFrontier against the RFC's recursive definitions, for every tree up to
// 130 leaves, and their node reads counted.
import RampartLedger
import Testing

extension MerkleTests {
    @Suite("Merkle: against the RFC 9162 reference")
    struct ReferenceTests {
        static let maxSize = 130

        let leaves = leafHashes(count: ReferenceTests.maxSize)
        let tree: InMemoryMerkleNodes
        let reference: Reference

        init() {
            tree = InMemoryMerkleNodes(leafHashes: leaves)
            reference = Reference(leafHashes: leaves)
        }

        @Test("MTH of every size: stored nodes, frontier and reference agree")
        func roots() throws {
            var frontier = MerkleFrontier()
            for size in 0...Self.maxSize {
                let expected = LedgerHash(bytes: reference.mth(0..<size))!
                #expect(try MerkleProofs.rootHash(size: UInt64(size), nodes: tree) == expected, "size \(size)")
                #expect(frontier.root == expected, "frontier at size \(size)")
                if size < Self.maxSize { frontier.append(leaves[size]) }
            }
        }

        @Test("PATH(m, D[n]) for every n up to 130 and every m, and each verifies")
        func inclusion() throws {
            for size in 1...Self.maxSize {
                let root = try MerkleProofs.rootHash(size: UInt64(size), nodes: tree)
                for index in 0..<size {
                    let expected = reference.path(index, 0..<size).map { LedgerHash(bytes: $0)! }
                    let proof = try MerkleProofs.inclusionProof(index: UInt64(index), size: UInt64(size), nodes: tree)
                    #expect(proof == expected, "PATH(\(index), D[\(size)])")
                    #expect(MerkleProofs.inclusionProofLength(index: UInt64(index), size: UInt64(size)) == expected.count)
                    #expect(throws: Never.self) {
                        try MerkleVerification.verifyInclusion(leafHash: leaves[index], index: UInt64(index),
                                                               size: UInt64(size), proof: proof, root: root)
                    }
                }
            }
        }

        @Test("PROOF(m, D[n]) for every 0 <= m <= n <= 130, and each verifies")
        func consistency() throws {
            let roots = try (0...Self.maxSize).map { try MerkleProofs.rootHash(size: UInt64($0), nodes: tree) }
            for newSize in 0...Self.maxSize {
                for oldSize in 0...newSize {
                    // The RFC defines PROOF for 0 < m < n; the others are empty.
                    let expected = oldSize == 0 || oldSize == newSize
                        ? [] : reference.proof(oldSize, 0..<newSize).map { LedgerHash(bytes: $0)! }
                    let proof = try MerkleProofs.consistencyProof(from: UInt64(oldSize), to: UInt64(newSize), nodes: tree)
                    #expect(proof == expected, "PROOF(\(oldSize), D[\(newSize)])")
                    #expect(MerkleProofs.consistencyProofLength(oldSize: UInt64(oldSize), newSize: UInt64(newSize))
                            == expected.count)
                    #expect(throws: Never.self) {
                        try MerkleVerification.verifyConsistency(oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                                                                 oldRoot: roots[oldSize], newRoot: roots[newSize],
                                                                 proof: proof)
                    }
                }
            }
        }

        @Test("a proof reads O(log n) nodes: one per element, plus one right-edge subtree")
        func readsPerProof() throws {
            for size in 1...UInt64(Self.maxSize) {
                for index in 0..<size {
                    let counted = CountingNodes(tree)
                    let proof = try MerkleProofs.inclusionProof(index: index, size: size, nodes: counted)
                    #expect(counted.reads <= proof.count + bitLength(size), "PATH(\(index), D[\(size)])")
                }
                for oldSize in 1..<size {
                    let counted = CountingNodes(tree)
                    let proof = try MerkleProofs.consistencyProof(from: oldSize, to: size, nodes: counted)
                    #expect(counted.reads <= proof.count + bitLength(size), "PROOF(\(oldSize), D[\(size)])")
                }
                let counted = CountingNodes(tree)
                _ = try MerkleProofs.rootHash(size: size, nodes: counted)
                #expect(counted.reads == size.nonzeroBitCount)
            }
        }

        @Test("huge trees: reads stay logarithmic and inside the tree", arguments: [
            1_000_000, 1_048_575, 1_048_576, 1_048_577, 123_456_789_012, (UInt64(1) << 62) + 12_345, UInt64.max - 1,
        ] as [UInt64])
        func hugeTrees(size: UInt64) throws {
            let probes: [UInt64] = [0, 1, size / 3, size / 2, size - 2, size - 1]
            for index in probes {
                let nodes = SyntheticNodes(size: size)
                let proof = try MerkleProofs.inclusionProof(index: index, size: size, nodes: nodes)
                #expect(proof.count == MerkleProofs.inclusionProofLength(index: index, size: size))
                #expect(nodes.reads <= 2 * bitLength(size), "PATH(\(index), D[\(size)]) read \(nodes.reads) nodes")
                if index > 0 {
                    let nodes = SyntheticNodes(size: size)
                    let proof = try MerkleProofs.consistencyProof(from: index, to: size, nodes: nodes)
                    #expect(proof.count == MerkleProofs.consistencyProofLength(oldSize: index, newSize: size))
                    #expect(nodes.reads <= 2 * bitLength(size) + 1, "PROOF(\(index), D[\(size)]) read \(nodes.reads) nodes")
                }
            }
            let nodes = SyntheticNodes(size: size)
            _ = try MerkleProofs.rootHash(size: size, nodes: nodes)
            #expect(nodes.reads == size.nonzeroBitCount)
            let frontier = try MerkleFrontier(size: size, nodes: nodes)
            #expect(frontier.size == size && frontier.nodes.count == size.nonzeroBitCount)
        }
    }
}

// Known answers: the transparency-dev (Certificate Transparency) Merkle test vectors.
import RampartLedger
import Testing

extension MerkleTests {
    @Suite("Merkle: transparency-dev known answers")
    struct KnownAnswerTests {
        let vectors: CTVectors
        let tree: InMemoryMerkleNodes

        init() throws {
            vectors = try CTVectors.load()
            tree = InMemoryMerkleNodes(leafHashes: vectors.leafInputs.map { MerkleHashing.leafHash(bytes(hex: $0)) })
        }

        @Test("the vector files are all there")
        func complete() {
            #expect(vectors.leafInputs.count == 8)
            #expect(vectors.rootHashes.count == 9)
            #expect(vectors.inclusionProofs.count == 5)
            #expect(vectors.consistencyProofs.count == 5)
        }

        @Test("leaf hashes, every stored node and the empty root")
        func nodes() throws {
            #expect(MerkleHashing.emptyRoot == hash(vectors.rootHashes[0]))
            for (level, row) in vectors.nodeHashes.enumerated() {
                for (index, expected) in row.enumerated() {
                    #expect(try tree.node(level: level, index: UInt64(index)) == hash(expected),
                            "node (\(level), \(index))")
                }
            }
            // Nothing more is stored than the perfect nodes of 8 leaves.
            #expect(throws: MerkleNodeSourceError.missingNode(level: 0, index: 8)) { try tree.node(level: 0, index: 8) }
            #expect(throws: MerkleNodeSourceError.missingNode(level: 4, index: 0)) { try tree.node(level: 4, index: 0) }
        }

        @Test("the root for every tree size, stored and incremental")
        func roots() throws {
            var frontier = MerkleFrontier()
            for (size, expected) in vectors.rootHashes.enumerated() {
                #expect(try MerkleProofs.rootHash(size: UInt64(size), nodes: tree) == hash(expected), "size \(size)")
                #expect(frontier.root == hash(expected), "frontier at size \(size)")
                #expect(try MerkleFrontier(size: UInt64(size), nodes: tree) == frontier)
                if size < 8 { frontier.append(try tree.node(level: 0, index: UInt64(size))) }
            }
        }

        @Test("every inclusion proof is generated exactly and verifies")
        func inclusion() throws {
            for vector in vectors.inclusionProofs {
                let expected = vector.proof.map(hash)
                let proof = try MerkleProofs.inclusionProof(index: vector.leafIndex, size: vector.treeSize, nodes: tree)
                #expect(proof == expected, "PATH(\(vector.leafIndex), D[\(vector.treeSize)])")
                let leaf = try tree.node(level: 0, index: vector.leafIndex)
                let root = hash(vectors.rootHashes[Int(vector.treeSize)])
                #expect(throws: Never.self) {
                    try MerkleVerification.verifyInclusion(leafHash: leaf, index: vector.leafIndex,
                                                           size: vector.treeSize, proof: expected, root: root)
                }
            }
        }

        @Test("every consistency proof is generated exactly and verifies")
        func consistency() throws {
            for vector in vectors.consistencyProofs {
                let expected = vector.proof.map(hash)
                let proof = try MerkleProofs.consistencyProof(from: vector.oldSize, to: vector.newSize, nodes: tree)
                #expect(proof == expected, "PROOF(\(vector.oldSize), D[\(vector.newSize)])")
                #expect(throws: Never.self) {
                    try MerkleVerification.verifyConsistency(
                        oldSize: vector.oldSize, newSize: vector.newSize,
                        oldRoot: hash(vectors.rootHashes[Int(vector.oldSize)]),
                        newRoot: hash(vectors.rootHashes[Int(vector.newSize)]), proof: expected)
                }
            }
        }

        @Test("proofs are made of the stored nodes transparency-dev names")
        func proofNodes() throws {
            let ids = try ProofNodeVectors.load()
            #expect(ids.inclusion.count == 20 && ids.consistency.count == 25)
            // A tree bigger than every vector: proofs for smaller sizes come from the same store.
            let big = InMemoryMerkleNodes(leafHashes: leafHashes(count: 130))
            for vector in ids.inclusion {
                let expected = try proof(nodes: vector.nodes, rehash: vector.rehash, from: big)
                #expect(try MerkleProofs.inclusionProof(index: vector.leafIndex, size: vector.treeSize, nodes: big) == expected,
                        "inclusion \(vector.leafIndex) in \(vector.treeSize)")
            }
            for vector in ids.consistency {
                let expected = try proof(nodes: vector.nodes, rehash: vector.rehash, from: big)
                #expect(try MerkleProofs.consistencyProof(from: vector.oldSize, to: vector.newSize, nodes: big) == expected,
                        "consistency \(vector.oldSize) to \(vector.newSize)")
            }
            for vector in ids.inclusionErrors {
                #expect(throws: MerkleProofError.indexOutOfRange) {
                    try MerkleProofs.inclusionProof(index: vector.leafIndex, size: vector.treeSize, nodes: big)
                }
            }
            for vector in ids.consistencyErrors {
                #expect(throws: MerkleProofError.sizeOutOfRange) {
                    try MerkleProofs.consistencyProof(from: vector.oldSize, to: vector.newSize, nodes: big)
                }
            }
        }
    }
}

// Proofs that must be rejected, and the error each one gets.
import RampartLedger
import Testing

extension MerkleTests {
    @Suite("Merkle: rejected proofs")
    struct VerificationTests {
        static let maxSize = 40

        let leaves = leafHashes(count: VerificationTests.maxSize)
        let tree: InMemoryMerkleNodes
        let roots: [LedgerHash]

        init() throws {
            tree = InMemoryMerkleNodes(leafHashes: leaves)
            let tree = tree
            roots = try (0...Self.maxSize).map { try MerkleProofs.rootHash(size: UInt64($0), nodes: tree) }
        }

        /// The error a (correct) proof for `index` in `size` must get when checked as if for
        /// `claimedIndex` in `claimedSize`, by what the RFC's algorithm looks at first.
        static func expectedError(proofCount: Int, claimedIndex: UInt64, claimedSize: UInt64) -> MerkleProofError {
            guard claimedIndex < claimedSize else { return .indexOutOfRange }
            let expected = MerkleProofs.inclusionProofLength(index: claimedIndex, size: claimedSize)
            return expected == proofCount ? .rootMismatch : .wrongProofLength(expected: expected, got: proofCount)
        }

        @Test("inclusion: any one bit flipped in any element is a root mismatch")
        func inclusionBitFlips() throws {
            for size in 2...UInt64(Self.maxSize) {
                for index in 0..<size {
                    let proof = try MerkleProofs.inclusionProof(index: index, size: size, nodes: tree)
                    for element in proof.indices {
                        for bit in [0, 3, 100, 255] {
                            #expect(throws: MerkleProofError.rootMismatch) {
                                try MerkleVerification.verifyInclusion(
                                    leafHash: leaves[Int(index)], index: index, size: size,
                                    proof: flipping(proof, element: element, bit: bit), root: roots[Int(size)])
                            }
                        }
                    }
                    // And a flipped leaf or root.
                    var leaf = leaves[Int(index)].bytes
                    leaf[31] ^= 0x80
                    #expect(throws: MerkleProofError.rootMismatch) {
                        try MerkleVerification.verifyInclusion(leafHash: LedgerHash(bytes: leaf)!, index: index, size: size,
                                                               proof: proof, root: roots[Int(size)])
                    }
                    #expect(throws: MerkleProofError.rootMismatch) {
                        try MerkleVerification.verifyInclusion(leafHash: leaves[Int(index)], index: index, size: size,
                                                               proof: proof, root: roots[Int(size) - 1])
                    }
                }
            }
        }

        @Test("inclusion: a wrong index or size is rejected, by length or by root")
        func inclusionWrongPosition() throws {
            for size in 1...UInt64(Self.maxSize) {
                for index in 0..<size {
                    let proof = try MerkleProofs.inclusionProof(index: index, size: size, nodes: tree)
                    let leaf = leaves[Int(index)]
                    let root = roots[Int(size)]
                    // The probes transparency-dev's verifier tests use.
                    let claims: [(index: UInt64, size: UInt64)] = [
                        (index &- 1, size), (index + 1, size), (index ^ 2, size), (index, size * 2), (index, size / 2),
                    ]
                    for claim in claims where claim != (index, size) {
                        let expected = Self.expectedError(proofCount: proof.count, claimedIndex: claim.index,
                                                          claimedSize: claim.size)
                        #expect(throws: expected, "proof for \(index) in \(size) checked as \(claim.index) in \(claim.size)") {
                            try MerkleVerification.verifyInclusion(leafHash: leaf, index: claim.index, size: claim.size,
                                                                   proof: proof, root: root)
                        }
                    }
                }
            }
        }

        @Test("inclusion: too long or too short proofs name both lengths")
        func inclusionLength() throws {
            for size in 1...UInt64(Self.maxSize) {
                for index in 0..<size {
                    let proof = try MerkleProofs.inclusionProof(index: index, size: size, nodes: tree)
                    let leaf = leaves[Int(index)]
                    let root = roots[Int(size)]
                    let n = proof.count
                    var variants = [proof + [root], [root] + proof, proof + proof]
                    if n > 0 { variants += [Array(proof.dropLast()), Array(proof.dropFirst()), []] }
                    for variant in variants where variant.count != n {
                        #expect(throws: MerkleProofError.wrongProofLength(expected: n, got: variant.count)) {
                            try MerkleVerification.verifyInclusion(leafHash: leaf, index: index, size: size,
                                                                   proof: variant, root: root)
                        }
                    }
                }
            }
        }

        @Test("inclusion: the edges (empty tree, single leaf, last index)")
        func inclusionEdges() throws {
            let leaf = leaves[0]
            #expect(throws: Never.self) {
                try MerkleVerification.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: leaf)
            }
            #expect(throws: MerkleProofError.rootMismatch) {
                try MerkleVerification.verifyInclusion(leafHash: leaf, index: 0, size: 1, proof: [], root: leaves[1])
            }
            for (index, size) in [(0, 0), (1, 0), (2, 1), (1, 1), (UInt64.max, UInt64.max)] as [(UInt64, UInt64)] {
                #expect(throws: MerkleProofError.indexOutOfRange) {
                    try MerkleVerification.verifyInclusion(leafHash: leaf, index: index, size: size, proof: [],
                                                           root: MerkleHashing.emptyRoot)
                }
                #expect(throws: MerkleProofError.indexOutOfRange) {
                    try MerkleProofs.inclusionProof(index: index, size: size, nodes: tree)
                }
            }
            // The largest tree the types allow (2^64 - 1 leaves): the last leaf's path is one
            // perfect left sibling per level below it (63), the first leaf's spans all 64 levels.
            let size = UInt64.max
            #expect(MerkleProofs.inclusionProofLength(index: size - 1, size: size) == 63)
            #expect(MerkleProofs.inclusionProofLength(index: 0, size: size) == 64)
        }

        @Test("consistency: bit flips, wrong roots, swapped roots are root mismatches")
        func consistencyCorruption() throws {
            for newSize in 2...UInt64(Self.maxSize) {
                for oldSize in 1..<newSize {
                    let proof = try MerkleProofs.consistencyProof(from: oldSize, to: newSize, nodes: tree)
                    let oldRoot = roots[Int(oldSize)]
                    let newRoot = roots[Int(newSize)]
                    func check(_ old: LedgerHash, _ new: LedgerHash, _ proof: [LedgerHash], _ what: String) {
                        #expect(throws: MerkleProofError.rootMismatch, "\(what): \(oldSize) to \(newSize)") {
                            try MerkleVerification.verifyConsistency(oldSize: oldSize, newSize: newSize,
                                                                     oldRoot: old, newRoot: new, proof: proof)
                        }
                    }
                    for element in proof.indices {
                        for bit in [4, 255] {
                            check(oldRoot, newRoot, flipping(proof, element: element, bit: bit), "flipped proof[\(element)]")
                        }
                    }
                    check(newRoot, oldRoot, proof, "swapped roots")
                    check(flipping([oldRoot], element: 0, bit: 9)[0], newRoot, proof, "wrong old root")
                    check(oldRoot, flipping([newRoot], element: 0, bit: 9)[0], proof, "wrong new root")
                    check(MerkleHashing.emptyRoot, newRoot, proof, "empty old root")
                }
            }
        }

        @Test("consistency: wrong sizes and lengths are named")
        func consistencyShape() throws {
            for newSize in 2...UInt64(Self.maxSize) {
                for oldSize in 1..<newSize {
                    let proof = try MerkleProofs.consistencyProof(from: oldSize, to: newSize, nodes: tree)
                    let oldRoot = roots[Int(oldSize)]
                    let newRoot = roots[Int(newSize)]
                    let n = proof.count
                    // Old size larger than the new one: sizes are checked before anything else.
                    #expect(throws: MerkleProofError.sizeOutOfRange) {
                        try MerkleVerification.verifyConsistency(oldSize: newSize, newSize: oldSize,
                                                                 oldRoot: newRoot, newRoot: oldRoot, proof: proof)
                    }
                    #expect(throws: MerkleProofError.sizeOutOfRange) {
                        try MerkleProofs.consistencyProof(from: newSize, to: oldSize, nodes: tree)
                    }
                    // Too long, too short, empty.
                    let variants = [proof + [newRoot], [oldRoot] + proof, Array(proof.dropLast()), [], proof + proof]
                    for variant in variants where variant.count != n {
                        #expect(throws: MerkleProofError.wrongProofLength(expected: n, got: variant.count)) {
                            try MerkleVerification.verifyConsistency(oldSize: oldSize, newSize: newSize,
                                                                     oldRoot: oldRoot, newRoot: newRoot, proof: variant)
                        }
                    }
                    // The proof checked for other sizes: by length where the shape differs, else by root.
                    let claims: [(old: UInt64, new: UInt64)] = [
                        (oldSize - 1, newSize), (oldSize + 1, newSize), (oldSize ^ 2, newSize),
                        (oldSize, newSize * 2), (oldSize, newSize / 2),
                    ]
                    for claim in claims where claim != (oldSize, newSize) {
                        let expected: MerkleProofError
                        if claim.old > claim.new {
                            expected = .sizeOutOfRange
                        } else {
                            let length = MerkleProofs.consistencyProofLength(oldSize: claim.old, newSize: claim.new)
                            expected = length == n ? .rootMismatch : .wrongProofLength(expected: length, got: n)
                        }
                        #expect(throws: expected, "proof \(oldSize) to \(newSize) checked as \(claim.old) to \(claim.new)") {
                            try MerkleVerification.verifyConsistency(oldSize: claim.old, newSize: claim.new,
                                                                     oldRoot: oldRoot, newRoot: newRoot, proof: proof)
                        }
                    }
                }
            }
        }

        @Test("consistency: the trivial cases (equal sizes, empty old tree)")
        func consistencyTrivial() throws {
            let empty = MerkleHashing.emptyRoot
            let one = roots[1]
            let two = roots[2]
            // Equal sizes: empty proof, equal roots.
            #expect(throws: Never.self) {
                try MerkleVerification.verifyConsistency(oldSize: 2, newSize: 2, oldRoot: two, newRoot: two, proof: [])
            }
            #expect(throws: MerkleProofError.rootMismatch) {
                try MerkleVerification.verifyConsistency(oldSize: 2, newSize: 2, oldRoot: two, newRoot: one, proof: [])
            }
            #expect(throws: MerkleProofError.wrongProofLength(expected: 0, got: 1)) {
                try MerkleVerification.verifyConsistency(oldSize: 2, newSize: 2, oldRoot: two, newRoot: two, proof: [two])
            }
            // From the empty tree: any new tree, but the old root must be the empty tree's.
            #expect(throws: Never.self) {
                try MerkleVerification.verifyConsistency(oldSize: 0, newSize: 2, oldRoot: empty, newRoot: two, proof: [])
                try MerkleVerification.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: empty, newRoot: empty, proof: [])
            }
            #expect(throws: MerkleProofError.rootMismatch) {
                try MerkleVerification.verifyConsistency(oldSize: 0, newSize: 2, oldRoot: one, newRoot: two, proof: [])
            }
            #expect(throws: MerkleProofError.rootMismatch) {
                try MerkleVerification.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: empty, newRoot: one, proof: [])
            }
            #expect(throws: MerkleProofError.wrongProofLength(expected: 0, got: 1)) {
                try MerkleVerification.verifyConsistency(oldSize: 0, newSize: 2, oldRoot: empty, newRoot: two, proof: [empty])
            }
            #expect(throws: MerkleProofError.sizeOutOfRange) {
                try MerkleVerification.verifyConsistency(oldSize: 1, newSize: 0, oldRoot: one, newRoot: empty, proof: [])
            }
            // A proof is needed as soon as 0 < m < n.
            #expect(throws: MerkleProofError.wrongProofLength(expected: 1, got: 0)) {
                try MerkleVerification.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: one, newRoot: two, proof: [])
            }
        }

        @Test("errors say what went wrong")
        func descriptions() {
            let all: [MerkleProofError] = [.indexOutOfRange, .sizeOutOfRange, .wrongProofLength(expected: 3, got: 5),
                                           .rootMismatch]
            #expect(Set(all.map(\.description)).count == all.count)
            #expect(MerkleProofError.wrongProofLength(expected: 3, got: 5).description.contains("5 hashes"))
            #expect(MerkleProofError.wrongProofLength(expected: 3, got: 5).description.contains("needs 3"))
            #expect(MerkleNodeSourceError.missingNode(level: 2, index: 3).description.contains("16 leaves"))
        }
    }
}

// The appender's frontier, the in-memory node store, and the hash value type.
import RampartCrypto
import RampartLedger
import Testing

extension MerkleTests {
    @Suite("Merkle: frontier and stored nodes")
    struct FrontierTests {
        /// Every perfect node a tree of `size` leaves has, read from `tree`.
        static func perfectNodes(size: UInt64, in tree: InMemoryMerkleNodes) throws -> Set<MerkleNode> {
            var nodes = Set<MerkleNode>()
            var level = 0
            while size >> UInt64(level) > 0 {
                for index in 0..<(size >> UInt64(level)) {
                    nodes.insert(MerkleNode(level: level, index: index, hash: try tree.node(level: level, index: index)))
                }
                level += 1
            }
            return nodes
        }

        @Test("append returns exactly the perfect nodes the new leaf completes, level 0 first")
        func appendedNodes() throws {
            let leaves = leafHashes(count: 140)
            var tree = InMemoryMerkleNodes()
            var frontier = MerkleFrontier()
            var stored = Set<MerkleNode>()
            for (index, leaf) in leaves.enumerated() {
                let completed = frontier.append(leaf)
                tree.append(leaf)
                #expect(frontier.size == UInt64(index + 1) && tree.size == frontier.size)
                // In order: the leaf, then one parent per level, each covering the leaf.
                #expect(completed.map(\.level) == Array(0..<completed.count))
                #expect(completed.first == MerkleNode(level: 0, index: UInt64(index), hash: leaf))
                for node in completed { #expect(node.index == UInt64(index) >> UInt64(node.level)) }
                // Exactly the nodes the full store gained, with its hashes.
                let all = try Self.perfectNodes(size: tree.size, in: tree)
                #expect(all.subtracting(stored) == Set(completed))
                // One parent per trailing 1 bit of the old size.
                #expect(completed.count == (~index).trailingZeroBitCount + 1)
                stored.formUnion(completed)
            }
        }

        @Test("a frontier rebuilt from stored nodes equals the one built leaf by leaf")
        func rebuild() throws {
            let leaves = leafHashes(count: 130)
            let tree = InMemoryMerkleNodes(leafHashes: leaves)
            var frontier = MerkleFrontier()
            for size in 0...leaves.count {
                let counted = CountingNodes(tree)
                let rebuilt = try MerkleFrontier(size: UInt64(size), nodes: counted)
                #expect(rebuilt == frontier, "size \(size)")
                #expect(rebuilt.root == frontier.root && rebuilt.size == UInt64(size))
                #expect(rebuilt.nodes == frontier.nodes)
                #expect(counted.reads == size.nonzeroBitCount)
                // The frontier's nodes are stored ones, largest first, tiling [0, size).
                var covered: UInt64 = 0
                for node in frontier.nodes {
                    #expect(node.index << UInt64(node.level) == covered)
                    #expect(try tree.node(level: node.level, index: node.index) == node.hash)
                    covered += 1 << UInt64(node.level)
                }
                #expect(covered == UInt64(size))
                // And both keep growing alike.
                if size < leaves.count {
                    var grown = rebuilt
                    #expect(grown.append(leaves[size]) == frontier.append(leaves[size]))
                    #expect(grown == frontier)
                }
            }
        }

        @Test("a store that lacks a node, or fails, makes rebuilds and proofs throw its error")
        func errorsPropagate() throws {
            let tree = InMemoryMerkleNodes(leafHashes: leafHashes(count: 5))
            // Size 6 needs (2, 0) and (1, 2); (1, 2) covers leaves 4 and 5, and there are five.
            #expect(throws: MerkleNodeSourceError.missingNode(level: 1, index: 2)) {
                try MerkleFrontier(size: 6, nodes: tree)
            }
            #expect(throws: MerkleNodeSourceError.missingNode(level: 1, index: 2)) {
                try MerkleProofs.rootHash(size: 6, nodes: tree)
            }
            #expect(throws: MerkleNodeSourceError.self) { try MerkleProofs.inclusionProof(index: 0, size: 6, nodes: tree) }
            #expect(throws: MerkleNodeSourceError.self) { try MerkleProofs.consistencyProof(from: 2, to: 6, nodes: tree) }
            #expect(throws: FailingNodes.StoreDown()) { try MerkleProofs.inclusionProof(index: 3, size: 9, nodes: FailingNodes()) }
            #expect(throws: FailingNodes.StoreDown()) { try MerkleProofs.consistencyProof(from: 3, to: 9, nodes: FailingNodes()) }
            #expect(throws: FailingNodes.StoreDown()) { try MerkleProofs.rootHash(size: 9, nodes: FailingNodes()) }
            #expect(throws: FailingNodes.StoreDown()) { try MerkleFrontier(size: 9, nodes: FailingNodes()) }
            // Nothing to read: no error.
            #expect(try MerkleProofs.rootHash(size: 0, nodes: FailingNodes()) == MerkleHashing.emptyRoot)
            #expect(try MerkleFrontier(size: 0, nodes: FailingNodes()) == MerkleFrontier())
            #expect(try MerkleProofs.consistencyProof(from: 0, to: 9, nodes: FailingNodes()) == [])
            #expect(try MerkleProofs.consistencyProof(from: 9, to: 9, nodes: FailingNodes()) == [])
            #expect(try MerkleProofs.inclusionProof(index: 0, size: 1, nodes: FailingNodes()) == [])
        }

        @Test("the in-memory store answers only inside its tree")
        func inMemoryBounds() throws {
            let leaves = leafHashes(count: 6)
            let tree = InMemoryMerkleNodes(leafHashes: leaves)
            #expect(tree.size == 6)
            #expect(tree.leafHash(at: 5) == leaves[5] && tree.leafHash(at: 6) == nil)
            #expect(try tree.node(level: 1, index: 2) == MerkleHashing.nodeHash(leaves[4], leaves[5]))
            #expect(try tree.node(level: 2, index: 0)
                    == MerkleHashing.nodeHash(MerkleHashing.nodeHash(leaves[0], leaves[1]),
                                              MerkleHashing.nodeHash(leaves[2], leaves[3])))
            for (level, index) in [(0, 6), (1, 3), (2, 1), (3, 0), (-1, 0)] as [(Int, UInt64)] {
                #expect(throws: MerkleNodeSourceError.missingNode(level: level, index: index)) {
                    try tree.node(level: level, index: index)
                }
            }
        }
    }

    @Suite("Merkle: hashes")
    struct HashTests {
        static func referenceSHA256(_ message: [UInt8]) -> [UInt8] {
            Reference.sha256(message)
        }

        @Test("leaf and node hashes are RFC 9162's, computed by an independent SHA-256")
        func hashing() {
            let inputs: [[UInt8]] = [[], [0], Array("rampart".utf8), [UInt8](repeating: 0xa5, count: 1000)]
            for input in inputs {
                let leaf = MerkleHashing.leafHash(input)
                #expect(leaf.bytes == Self.referenceSHA256([0x00] + input))
                #expect(input.withUnsafeBufferPointer { MerkleHashing.leafHash($0.span) } == leaf)
            }
            let left = MerkleHashing.leafHash([1])
            let right = MerkleHashing.leafHash([2])
            #expect(MerkleHashing.nodeHash(left, right).bytes == Self.referenceSHA256([0x01] + left.bytes + right.bytes))
            #expect(MerkleHashing.nodeHash(left, right) != MerkleHashing.nodeHash(right, left))
            #expect(MerkleHashing.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            // A leaf cannot pose as a node: 0x00 versus 0x01.
            #expect(MerkleHashing.leafHash(left.bytes + right.bytes) != MerkleHashing.nodeHash(left, right))
        }

        @Test("LedgerHash: bytes, hex, Bytes32 and equality")
        func value() throws {
            let hex = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
            let hash = try #require(LedgerHash(hex: hex))
            #expect(hash.hex == hex && hash.description == hex)
            #expect(hash.bytes == bytes(hex: hex))
            #expect(LedgerHash(bytes: hash.bytes) == hash)
            #expect(LedgerHash(hex: hex.uppercased()) == hash)
            #expect(LedgerHash(hash.bytes32) == hash)
            #expect(hash.bytes.withUnsafeBufferPointer { LedgerHash(bytes: $0.span) } == hash)
            let digest = Reference.sha256(Array("abc".utf8))
            #expect(LedgerHash(bytes: digest)!.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            // Wrong lengths and non-hex text are refused.
            for bad in ["", String(hex.dropLast()), hex + "0", " " + String(hex.dropFirst()),
                        String(hex.dropLast()) + "g", String(hex.dropLast(2)) + "é"] {
                #expect(LedgerHash(hex: bad) == nil, "\(bad)")
            }
            #expect(LedgerHash(bytes: [UInt8](repeating: 0, count: 31)) == nil)
            #expect(LedgerHash(bytes: [UInt8](repeating: 0, count: 33)) == nil)
            // Every byte position counts for equality and hashing.
            var seen = Set<LedgerHash>([hash])
            for position in 0..<32 {
                var changed = hash.bytes
                changed[position] ^= 1
                let other = LedgerHash(bytes: changed)!
                #expect(other != hash)
                seen.insert(other)
            }
            #expect(seen.count == 33)
        }
    }
}

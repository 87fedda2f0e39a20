// Shared by the Merkle*Tests files: the suite that groups them (so `--filter MerkleTests` runs
// them all), the CT/transparency-dev vectors, a naive RFC 9162 reference and node sources.
import Foundation
import RampartCrypto
import RampartLedger
import Testing

/// The RFC 9162 Merkle tree of the ledger (HostTools/Ledger/Merkle). Each file adds one nested
/// suite.
@Suite("Ledger: RFC 9162 Merkle tree")
struct MerkleTests {}

extension MerkleTests {
    // MARK: Vectors

    /// Tests/Vectors/merkle-ct-vectors.json: the transparency-dev 8-leaf tree with its node
    /// hashes, roots for every size, and inclusion and consistency proofs.
    struct CTVectors: Decodable {
        struct Inclusion: Decodable {
            let leafIndex: UInt64
            let treeSize: UInt64
            let proof: [String]
        }
        struct Consistency: Decodable {
            let oldSize: UInt64
            let newSize: UInt64
            let proof: [String]
        }
        let leafInputs: [String]
        let nodeHashes: [[String]]
        let rootHashes: [String]
        let inclusionProofs: [Inclusion]
        let consistencyProofs: [Consistency]

        static func load() throws -> CTVectors {
            try JSONDecoder().decode(CTVectors.self, from: Data(contentsOf: vectorFile("merkle-ct-vectors.json")))
        }
    }

    /// Tests/Vectors/merkle-ct-proof-nodes.json: which stored nodes make up each proof
    /// (transparency-dev's TestInclusion and TestConsistency).
    struct ProofNodeVectors: Decodable {
        struct Inclusion: Decodable {
            let treeSize: UInt64
            let leafIndex: UInt64
            let nodes: [[UInt64]]
            let rehash: [Int]?
        }
        struct Consistency: Decodable {
            let oldSize: UInt64
            let newSize: UInt64
            let nodes: [[UInt64]]
            let rehash: [Int]?
        }
        struct InclusionError: Decodable {
            let treeSize: UInt64
            let leafIndex: UInt64
        }
        struct ConsistencyError: Decodable {
            let oldSize: UInt64
            let newSize: UInt64
        }
        let inclusion: [Inclusion]
        let inclusionErrors: [InclusionError]
        let consistency: [Consistency]
        let consistencyErrors: [ConsistencyError]

        static func load() throws -> ProofNodeVectors {
            try JSONDecoder().decode(ProofNodeVectors.self, from: Data(contentsOf: vectorFile("merkle-ct-proof-nodes.json")))
        }
    }

    static func vectorFile(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors").appendingPathComponent(name)
    }

    // MARK: Helpers

    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    static func hash(_ hex: String) -> LedgerHash {
        LedgerHash(hex: hex)!
    }

    /// The proof a vector describes as node IDs: each stored node's hash, with the `rehash`
    /// range folded into one element as Go's `Nodes.Rehash` does.
    static func proof(nodes ids: [[UInt64]], rehash: [Int]?, from nodes: some MerkleNodeSource) throws -> [LedgerHash] {
        let hashes = try ids.map { try nodes.node(level: Int($0[0]), index: $0[1]) }
        guard let rehash else { return hashes }
        var folded = Array(hashes[..<rehash[0]])
        var hash = hashes[rehash[0]]
        for i in (rehash[0] + 1)..<rehash[1] { hash = MerkleHashing.nodeHash(hashes[i], hash) }
        folded.append(hash)
        folded.append(contentsOf: hashes[rehash[1]...])
        return folded
    }

    /// Distinct leaf hashes for generated trees.
    static func leafHashes(count: Int) -> [LedgerHash] {
        (0..<count).map { MerkleHashing.leafHash(Array("leaf \($0)".utf8)) }
    }

    static func bitLength(_ n: UInt64) -> Int { UInt64.bitWidth - n.leadingZeroBitCount }

    /// The proof's hashes with one bit of element `element` flipped.
    static func flipping(_ proof: [LedgerHash], element: Int, bit: Int) -> [LedgerHash] {
        var copy = proof
        var bytes = copy[element].bytes
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        copy[element] = LedgerHash(bytes: bytes)!
        return copy
    }

    // MARK: Reference

    /// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 written as the RFC writes them, recursively over an
    /// array of leaf hashes, with the firmware's own SHA-256 (RampartCrypto) instead of
    /// libsodium so the two sides share no code. MTH is memoised per range so that comparing
    /// every proof of every tree up to 130 leaves stays quick.
    final class Reference {
        let leaves: [[UInt8]]
        private var memo: [Range<Int>: [UInt8]] = [:]

        init(leafHashes: [LedgerHash]) {
            leaves = leafHashes.map(\.bytes)
        }

        static func sha256(_ message: [UInt8]) -> [UInt8] {
            let digest = message.withUnsafeBufferPointer { SHA256.hash($0.span) }
            return (0..<32).map { digest[$0] }
        }

        /// The largest power of two smaller than n (n > 1).
        static func k(_ n: Int) -> Int {
            var k = 1
            while k * 2 < n { k *= 2 }
            return k
        }

        /// MTH(D[range]).
        func mth(_ range: Range<Int>) -> [UInt8] {
            if range.isEmpty { return Self.sha256([]) }
            if range.count == 1 { return leaves[range.lowerBound] }
            if let known = memo[range] { return known }
            let k = Self.k(range.count)
            let split = range.lowerBound + k
            let hash = Self.sha256([0x01] + mth(range.lowerBound..<split) + mth(split..<range.upperBound))
            memo[range] = hash
            return hash
        }

        /// PATH(m, D[range]).
        func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
            if range.count <= 1 { return [] }
            let k = Self.k(range.count)
            let split = range.lowerBound + k
            if m < k {
                return path(m, range.lowerBound..<split) + [mth(split..<range.upperBound)]
            }
            return path(m - k, split..<range.upperBound) + [mth(range.lowerBound..<split)]
        }

        /// PROOF(m, D[range]) = SUBPROOF(m, D[range], true).
        func proof(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
            subproof(m, range, true)
        }

        private func subproof(_ m: Int, _ range: Range<Int>, _ b: Bool) -> [[UInt8]] {
            if m == range.count { return b ? [] : [mth(range)] }
            let k = Self.k(range.count)
            let split = range.lowerBound + k
            if m <= k {
                return subproof(m, range.lowerBound..<split, b) + [mth(split..<range.upperBound)]
            }
            return subproof(m - k, split..<range.upperBound, false) + [mth(range.lowerBound..<split)]
        }
    }

    // MARK: Node sources

    /// Counts the reads of another source.
    final class CountingNodes<Base: MerkleNodeSource>: MerkleNodeSource {
        let base: Base
        private(set) var reads = 0

        init(_ base: Base) { self.base = base }

        func node(level: Int, index: UInt64) throws -> LedgerHash {
            reads += 1
            return try base.node(level: level, index: index)
        }
    }

    /// A tree of any size without storing it: each node's "hash" is made up from its position.
    /// For counting reads on huge trees and checking that no read leaves the tree; the proofs
    /// it yields verify against nothing. Rejects nodes beyond `size` leaves.
    final class SyntheticNodes: MerkleNodeSource {
        let size: UInt64
        private(set) var reads = 0

        struct OutsideTree: Error {
            let level: Int
            let index: UInt64
        }

        init(size: UInt64) { self.size = size }

        func node(level: Int, index: UInt64) throws -> LedgerHash {
            reads += 1
            guard level >= 0, level < 64, index < (size >> UInt64(level)) else {
                throw OutsideTree(level: level, index: index)
            }
            var bytes = [UInt8](repeating: 0, count: 32)
            bytes[0] = UInt8(level)
            withUnsafeBytes(of: index.bigEndian) { bytes.replaceSubrange(1..<9, with: $0) }
            return LedgerHash(bytes: bytes)!
        }
    }

    /// Fails every read, to show that a store's errors come out of the proof functions.
    struct FailingNodes: MerkleNodeSource {
        struct StoreDown: Error, Equatable {}

        func node(level: Int, index: UInt64) throws -> LedgerHash {
            throw StoreDown()
        }
    }
}

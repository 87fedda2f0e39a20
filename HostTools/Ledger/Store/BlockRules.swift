/// The end of the stored log: what the next block must follow on.
struct LedgerTip: Sendable {
    var blockCount: UInt64 = 0
    var latestHead: TreeHead? = nil
    /// The right edge of the Merkle tree; its size is the log's.
    var frontier = MerkleFrontier()
    var membership = LedgerMembership()
    /// Why the stored log cannot be extended (found when it was loaded), or nil.
    var damage: String? = nil

    var treeSize: UInt64 { frontier.size }
}

/// A block that follows on a tip, with everything appending it writes.
struct CheckedBlock: Sendable {
    let block: LedgerBlock
    let encodedEntries: [[UInt8]]
    /// The perfect nodes the block completes, leaf hashes included.
    let nodes: [MerkleNode]
    let membershipChanges: [LedgerMembership.Change]
    /// The tip after the block.
    let tip: LedgerTip
}

/// Sealing pending entries into the next block, and checking a block someone else sealed:
/// the rules of docs/ledger.md ("Blocks and tree heads") applied to one block.
enum BlockRules {
    /// Entries below which signing stays on one thread.
    static let parallelSigningChunk = 32

    /// Seals `pending` (in order) into the block after `tip`, every entry and the head signed by
    /// `signer`. The result needs no further checking: it is built to the rules.
    static func seal(_ pending: [PendingEntry], signer: LedgerSigner, time: UInt64,
                     after tip: LedgerTip) throws(LedgerStoreError) -> CheckedBlock {
        guard !pending.isEmpty, pending.count <= LedgerBlock.maxEntryCount else {
            throw .invalidRequest("a block holds 1 to \(LedgerBlock.maxEntryCount) entries, not \(pending.count)")
        }
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(pending.count)
        for (offset, entry) in pending.enumerated() {
            do {
                bodies.append(try entry.validate())
            } catch {
                throw .invalidRequest("entry \(offset) of the block cannot be written: \(error)")
            }
        }
        let gateway = signer.gatewayID
        var membership = tip.membership
        var changes: [LedgerMembership.Change] = []
        for (offset, entry) in pending.enumerated() {
            let index = tip.treeSize + UInt64(offset)
            switch membership.admit(index: index, gateway: gateway, type: entry.type, body: entry.body) {
            case .failure(let problem):
                throw .invalidRequest("cannot seal entry \(index): \(problem.what); a gateway's first entry in a "
                                      + "ledger is its joined membership entry (LedgerSigner.membershipEntry)")
            case .success(let admitted):
                if let change = admitted.change {
                    membership.apply(change)
                    changes.append(change)
                }
            }
        }
        let entries = LedgerParallel.map(Array(pending.indices), minimumChunk: parallelSigningChunk) { offset in
            let index = tip.treeSize + UInt64(offset)
            let entry = pending[offset]
            let toBeSigned = SignedEntry.toBeSigned(index: index, time: entry.time, gateway: gateway, type: entry.type,
                                                    bodyBytes: bodies[offset])
            let signed = SignedEntry(index: index, time: entry.time, gateway: gateway, type: entry.type, body: entry.body,
                                     bodyBytes: bodies[offset], signature: signer.sign(toBeSigned))
            let encoded = signed.encoded
            return (signed, encoded, MerkleHashing.leafHash(encoded))
        }
        var frontier = tip.frontier
        var nodes: [MerkleNode] = []
        nodes.reserveCapacity(entries.count * 2 + 64)
        for entry in entries { nodes.append(contentsOf: frontier.append(entry.2)) }
        let root = frontier.root
        let headToBeSigned = TreeHead.toBeSigned(block: tip.blockCount, treeSize: frontier.size, root: root, time: time,
                                                 gateway: gateway)
        let head = TreeHead(block: tip.blockCount, treeSize: frontier.size, root: root, time: time, gateway: gateway,
                            signature: signer.sign(headToBeSigned))
        let block = LedgerBlock(head: head, entries: entries.map(\.0))
        let next = LedgerTip(blockCount: tip.blockCount + 1, latestHead: head, frontier: frontier, membership: membership)
        return CheckedBlock(block: block, encodedEntries: entries.map(\.1), nodes: nodes, membershipChanges: changes,
                            tip: next)
    }

    /// Checks that `block` follows on `tip`: its number and indices continue the log, every
    /// entry decodes strictly, is written by a member at that point (membership entries
    /// earlier in the block count) and validly signed, and is written by the block's sealer; the root
    /// recomputed from the entries is the head's, and the head's signature verifies.
    ///
    /// - Throws: the first problem, entries before the head; a signature failure before a later
    ///   entry's other problem is reported first.
    static func check(_ block: LedgerBlock, after tip: LedgerTip,
                      verifySignatures: Bool = true) throws(LedgerProblem) -> CheckedBlock {
        let head = block.head
        guard head.block == tip.blockCount else {
            throw LedgerProblem(.block(head.block), "does not follow on the log, which holds \(tip.blockCount) blocks "
                                + "(the next block is number \(tip.blockCount))")
        }
        guard !block.entries.isEmpty, block.entries.count <= LedgerBlock.maxEntryCount else {
            throw LedgerProblem(.block(head.block), "holds \(block.entries.count) entries (a block holds 1 to "
                                + "\(LedgerBlock.maxEntryCount))")
        }
        var membership = tip.membership
        var changes: [LedgerMembership.Change] = []
        var encoded: [[UInt8]] = []
        var keys: [[UInt8]] = []
        encoded.reserveCapacity(block.entries.count)
        keys.reserveCapacity(block.entries.count)
        var structuralProblem: LedgerProblem? = nil
        /// The first entry not written by the sealer: the entry may be valid, the head that
        /// claims it is not (reported at the block, as `LedgerVerifier` does).
        var foreignWriter: (index: UInt64, gateway: GatewayID)? = nil
        for (offset, entry) in block.entries.enumerated() {
            let expected = tip.treeSize + UInt64(offset)
            guard entry.index == expected else {
                structuralProblem = LedgerProblem(.entry(entry.index), "does not follow on: the log holds \(tip.treeSize) "
                                                  + "entries, so the block's entry \(offset) must have index \(expected) "
                                                  + "(a gap or an overlap)")
                break
            }
            let bytes = entry.encoded
            do {
                _ = try SignedEntry.decode(bytes)
            } catch {
                structuralProblem = LedgerProblem(.entry(expected), "is not a valid signed entry: \(error)")
                break
            }
            if entry.gateway != head.gateway, foreignWriter == nil { foreignWriter = (expected, entry.gateway) }
            switch membership.admit(index: expected, gateway: entry.gateway, type: entry.type, body: entry.body) {
            case .failure(let problem):
                structuralProblem = problem
            case .success(let admitted):
                if let change = admitted.change {
                    membership.apply(change)
                    changes.append(change)
                }
                keys.append(admitted.publicKey)
                encoded.append(bytes)
            }
            if structuralProblem != nil { break }
        }
        if verifySignatures, let failed = LedgerParallel.firstFailure(count: keys.count, minimumChunk: 16, { offset in
            block.entries[offset].isSigned(by: keys[offset])
        }) {
            let entry = block.entries[failed]
            throw LedgerProblem(.entry(entry.index), "signature does not verify (signed by gateway \(entry.gateway))")
        }
        if let structuralProblem { throw structuralProblem }
        if let foreignWriter {
            throw LedgerProblem(.block(head.block), "is sealed by gateway \(head.gateway) but its entry \(foreignWriter.index) "
                                + "is written by gateway \(foreignWriter.gateway) (a block's entries are all written by its sealer)")
        }
        guard head.treeSize == tip.treeSize + UInt64(block.entries.count) else {
            throw LedgerProblem(.block(head.block), "has tree size \(head.treeSize) but the log holds \(tip.treeSize) "
                                + "entries before its \(block.entries.count)")
        }
        let leafHashes = LedgerParallel.map(encoded, minimumChunk: 256) { MerkleHashing.leafHash($0) }
        var frontier = tip.frontier
        var nodes: [MerkleNode] = []
        nodes.reserveCapacity(leafHashes.count * 2 + 64)
        for leafHash in leafHashes { nodes.append(contentsOf: frontier.append(leafHash)) }
        let root = frontier.root
        guard root == head.root else {
            throw LedgerProblem(.block(head.block), "tree head root \(head.root) is not the root of the log with its "
                                + "entries (\(root))")
        }
        guard let sealerKey = membership.keys[head.gateway] else {
            throw LedgerProblem(.block(head.block), "is sealed by gateway \(head.gateway), which is not a member")
        }
        if verifySignatures, !head.isSigned(by: sealerKey) {
            throw LedgerProblem(.block(head.block), "tree head signature does not verify (sealed by gateway \(head.gateway))")
        }
        let next = LedgerTip(blockCount: tip.blockCount + 1, latestHead: head, frontier: frontier, membership: membership)
        return CheckedBlock(block: block, encodedEntries: encoded, nodes: nodes, membershipChanges: changes, tip: next)
    }
}

import Dispatch
import Foundation
import GRDB

/// What `LedgerVerifier.verify` found.
public struct LedgerVerificationReport: Sendable {
    /// Entries that passed every check (all entries before the problem, if there is one).
    public let entriesChecked: UInt64
    /// Blocks whose tree head passed every check.
    public let blocksChecked: UInt64
    /// Tree size of the last verified tree head (0 when none verified).
    public let treeSize: UInt64
    /// Root of the last verified tree head.
    public let root: LedgerHash?
    /// The first bad entry or block, or a mismatch in the stored derived data; nil when the
    /// whole log verifies.
    public let problem: LedgerProblem?

    public var isValid: Bool { problem == nil }
}

/// `rampart ledger verify` (docs/ledger.md, "Verification"): recomputes, in log order, each
/// entry's strict decoding, index, signer membership and signature, each block's range, root
/// and tree-head signature, and compares the derived data the store keeps (leaf and node
/// hashes, the membership index) with what the entries give. Stored hashes are never trusted,
/// only compared.
///
/// Entries are read in pages of `pageSize` from one read snapshot (a gateway may keep
/// appending meanwhile), so memory stays bounded at any log size. Each page is decoded and
/// hashed in parallel, walked in order (indices, blocks, membership, the Merkle frontier), and
/// its signatures are then verified in parallel: Ed25519 verification (~67 µs) dominates, and
/// scales with the cores.
///
/// The report names the first problem in log order: an entry's checks come before the checks
/// of the block that closes it; a signature failure is ordered where that entry's signature
/// sits, even though signatures are checked a page at a time.
public struct LedgerVerifier: Sendable {
    /// Entries per page: a page's decoded entries and signed bytes are a few megabytes.
    public static let pageSize = 4096

    public let store: LedgerStore
    /// When non-empty, the gateway that created the log (entry 0's membership key) must hold
    /// one of these keys: a log rewritten from scratch by someone else fails.
    public let trustedKeys: [[UInt8]]

    public init(store: LedgerStore, trustedKeys: [[UInt8]] = []) {
        self.store = store
        self.trustedKeys = trustedKeys
    }

    /// Verifies the whole log. `progress` is called as pages complete, and once at the end,
    /// with the entries checked so far and the stored entry count.
    public func verify(progress: (@Sendable (UInt64, UInt64) -> Void)? = nil) -> LedgerVerificationReport {
        do {
            return try store.reading { db in
                let run = VerificationRun(db: db, trustedKeys: trustedKeys, progress: progress)
                return try run.run()
            }
        } catch {
            return LedgerVerificationReport(entriesChecked: 0, blocksChecked: 0, treeSize: 0, root: nil,
                                            problem: LedgerProblem(.storage, "cannot read the ledger: \(error)"))
        }
    }
}

/// One verification pass over a read snapshot.
private final class VerificationRun {
    /// A signature to verify in the page's parallel pass, and what to report if it fails.
    struct SignatureCheck: Sendable {
        let message: [UInt8]
        let signature: [UInt8]
        let publicKey: [UInt8]
        let problem: LedgerProblem
        /// The head it checks, for a block; nil for an entry.
        let head: TreeHead?
    }

    /// An entry row decoded and hashed in the parallel pass.
    struct DecodedRow: Sendable {
        let position: UInt64
        let entry: Result<SignedEntry, LedgerFormatError>
        let toBeSigned: [UInt8]
        let leafHash: LedgerHash
    }

    struct NodePosition: Hashable {
        let level: Int
        let index: UInt64
    }

    let db: Database
    let trustedKeys: [[UInt8]]
    let progress: (@Sendable (UInt64, UInt64) -> Void)?

    var membership = LedgerMembership()
    var membershipChanges: [LedgerMembership.Change] = []
    var frontier = MerkleFrontier()
    /// The next entry the log must hold, and the next block.
    var nextPosition: UInt64 = 0
    var nextBlock: UInt64 = 0
    /// The block whose entries are being read.
    var openBlock: TreeHead? = nil
    /// The first entry of the open block written by another gateway than its sealer.
    var blockForeignWriter: (UInt64, GatewayID)? = nil
    var firstProblem: LedgerProblem? = nil
    var signatureChecks: [SignatureCheck] = []
    var entriesPassed: UInt64 = 0
    var blocksPassed: UInt64 = 0
    var lastPassedHead: TreeHead? = nil
    var storedNodes: [NodePosition: LedgerHash] = [:]
    /// The previous page's signatures, being verified in the background.
    var inFlight: (checks: [SignatureCheck], group: DispatchGroup, outcome: SignatureOutcome)? = nil

    init(db: Database, trustedKeys: [[UInt8]], progress: (@Sendable (UInt64, UInt64) -> Void)?) {
        self.db = db
        self.trustedKeys = trustedKeys
        self.progress = progress
    }

    func run() throws -> LedgerVerificationReport {
        let total = try Int64.fetchOne(db, sql: "SELECT max(idx) + 1 FROM entry").map { UInt64(max($0, 0)) } ?? 0
        var after: Int64 = -1
        pages: while firstProblem == nil {
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT idx, bytes FROM entry WHERE idx > ? ORDER BY idx LIMIT ?"),
                                        arguments: [after, LedgerVerifier.pageSize])
            guard let last = rows.last else { break }
            after = last["idx"]
            let raw: [(UInt64, [UInt8])] = rows.map { (UInt64(bitPattern: $0["idx"] as Int64), LedgerSchema.bytes($0, "bytes")) }
            let decoded = LedgerParallel.map(raw, minimumChunk: 256) { position, bytes in
                let entry = Result { () throws(LedgerFormatError) in try SignedEntry.decode(bytes) }
                let toBeSigned = (try? entry.get())?.toBeSigned ?? []
                return DecodedRow(position: position, entry: entry, toBeSigned: toBeSigned, leafHash: MerkleHashing.leafHash(bytes))
            }
            try loadStoredNodes(from: raw.first!.0, to: raw.last!.0 + 1)
            for row in decoded {
                try check(row)
                if firstProblem != nil { break pages }
            }
            // The previous page's signatures were verified while this page was walked.
            finishSignatures()
            if firstProblem != nil { break }
            progress?(entriesPassed, total)
            startSignatures()
        }
        if firstProblem == nil { try checkEnd() }
        finishSignatures()
        startSignatures()
        finishSignatures()
        progress?(entriesPassed, total)
        var entriesChecked = entriesPassed
        if case .entry(let index)? = firstProblem?.position { entriesChecked = min(entriesChecked, index) }
        return LedgerVerificationReport(entriesChecked: entriesChecked, blocksChecked: blocksPassed,
                                        treeSize: lastPassedHead?.treeSize ?? 0, root: lastPassedHead?.root,
                                        problem: firstProblem)
    }

    // MARK: Entries and blocks, in log order

    private func check(_ row: DecodedRow) throws {
        if openBlock == nil {
            try openNextBlock()
            guard firstProblem == nil else { return }
        }
        guard let head = openBlock else { return }
        let position = nextPosition
        guard row.position == position else {
            report(.entry(position), position == 0 ? "is missing (the stored log starts at position \(row.position))"
                   : "is missing (the stored log jumps from entry \(position - 1) to position \(row.position): entries "
                   + "were deleted)")
            return
        }
        let entry: SignedEntry
        switch row.entry {
        case .failure(let error):
            report(.entry(position), "is not a valid signed entry: \(error)")
            return
        case .success(let decoded):
            entry = decoded
        }
        guard entry.index == position else {
            report(.entry(position), "is stored at position \(position) but signed as entry \(entry.index) "
                   + "(entries were deleted, inserted or reordered before it)")
            return
        }
        if entry.gateway != head.gateway, blockForeignWriter == nil { blockForeignWriter = (position, entry.gateway) }
        let publicKey: [UInt8]
        switch membership.admit(index: position, gateway: entry.gateway, type: entry.type, body: entry.body) {
        case .failure(let problem):
            report(problem.position, problem.what)
            return
        case .success(let admitted):
            publicKey = admitted.publicKey
            if let change = admitted.change {
                membership.apply(change)
                membershipChanges.append(change)
            }
        }
        if position == 0, !trustedKeys.isEmpty, !trustedKeys.contains(publicKey) {
            report(.entry(0), "the log was created by gateway \(entry.gateway), whose key is not one of the trusted keys")
            return
        }
        signatureChecks.append(SignatureCheck(
            message: row.toBeSigned, signature: entry.signature, publicKey: publicKey,
            problem: LedgerProblem(.entry(position), "signature does not verify (signed by gateway \(entry.gateway))"),
            head: nil))
        // Derived data: the leaf hash and the perfect nodes this entry completes.
        for node in frontier.append(row.leafHash) {
            let stored = storedNodes[NodePosition(level: node.level, index: node.index)]
            guard stored == node.hash else {
                let what = node.level == 0
                    ? "the leaf hash stored for entry \(position) \(stored == nil ? "is missing" : "does not match its bytes")"
                    : "the Merkle node (level \(node.level), index \(node.index)) completed by entry \(position) "
                        + (stored == nil ? "is missing" : "does not match the entries")
                report(.storage, what + " (derived data altered; the entries themselves verify up to here)")
                return
            }
        }
        nextPosition += 1
        if nextPosition == head.treeSize { closeBlock(head) }
    }

    /// Reads the next block's row and checks its head and range.
    private func openNextBlock() throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT number, first_index, tree_size, head FROM block WHERE number >= ? ORDER BY number LIMIT 1
            """), arguments: [LedgerSchema.sql(nextBlock)]) else {
            report(.entry(nextPosition), "is stored but no tree head covers it (a block's tree head was deleted, or "
                   + "entries were added outside a block)")
            return
        }
        let number = UInt64(bitPattern: row["number"] as Int64)
        guard number == nextBlock else {
            report(.block(nextBlock), "is missing (the next stored block is number \(number))")
            return
        }
        let head: TreeHead
        do {
            head = try TreeHead.decode(LedgerSchema.bytes(row, "head"))
        } catch {
            report(.block(number), "tree head is not valid: \(error)")
            return
        }
        guard head.block == number else {
            report(.block(number), "holds the tree head of block \(head.block)")
            return
        }
        guard head.treeSize > nextPosition, head.treeSize - nextPosition <= UInt64(LedgerBlock.maxEntryCount) else {
            report(.block(number), "has tree size \(head.treeSize), which does not grow the log of \(nextPosition) "
                   + "entries by 1 to \(LedgerBlock.maxEntryCount)")
            return
        }
        let first = LedgerSchema.unsigned(row, "first_index")
        let size = LedgerSchema.unsigned(row, "tree_size")
        guard first == nextPosition, size == head.treeSize else {
            report(.block(number), "is stored as the range [\(first), \(size)) but its tree head and the blocks before "
                   + "it make it [\(nextPosition), \(head.treeSize))")
            return
        }
        openBlock = head
        blockForeignWriter = nil
    }

    /// Checks the head of a block whose entries have all been read.
    private func closeBlock(_ head: TreeHead) {
        openBlock = nil
        nextBlock += 1
        let root = frontier.root
        // Checked here rather than at the entry: the entry itself is valid (its signer is a
        // member and signed it); what is wrong is the head that claims to have sealed it.
        if let (position, writer) = blockForeignWriter {
            report(.block(head.block), "is sealed by gateway \(head.gateway) but its entry \(position) is written by "
                   + "gateway \(writer) (a block's entries are all written by its sealer)")
            return
        }
        guard root == head.root else {
            report(.block(head.block), "tree head root \(head.root) is not the root of the log's first \(head.treeSize) "
                   + "entries (\(root))")
            return
        }
        guard let key = membership.keys[head.gateway] else {
            report(.block(head.block), "is sealed by gateway \(head.gateway), which never joined the ledger")
            return
        }
        signatureChecks.append(SignatureCheck(
            message: head.toBeSigned, signature: head.signature, publicKey: key,
            problem: LedgerProblem(.block(head.block), "tree head signature does not verify (sealed by gateway \(head.gateway))"),
            head: head))
    }

    /// After the last entry row: blocks that claim more entries, derived rows past the end.
    private func checkEnd() throws {
        if let head = openBlock {
            report(.entry(nextPosition), "is missing: the stored log ends there but block \(head.block)'s tree head "
                   + "covers \(head.treeSize) entries")
            return
        }
        if let number = try Int64.fetchOne(db, sql: "SELECT number FROM block WHERE number >= ? ORDER BY number LIMIT 1",
                                           arguments: [LedgerSchema.sql(nextBlock)]) {
            report(.entry(nextPosition), "is missing: the stored log ends there but block \(number) follows")
            return
        }
        let size = frontier.size
        var expectedNodes: UInt64 = 0
        var level: UInt64 = 0
        while size >> level > 0 {
            expectedNodes += size >> level
            level += 1
        }
        let storedNodes = UInt64(try Int64.fetchOne(db, sql: "SELECT count(*) FROM node") ?? 0)
        if storedNodes != expectedNodes {
            report(.storage, "\(storedNodes) Merkle nodes are stored but a log of \(size) entries has \(expectedNodes) "
                   + "(derived data altered)")
            return
        }
        let storedChanges: [LedgerMembership.Change]
        do {
            storedChanges = try LedgerSchema.fetchMembership(db)
        } catch {
            report(.storage, "the membership index is malformed (derived data altered)")
            return
        }
        if storedChanges != membershipChanges {
            report(.storage, "the membership index does not match the log's membership entries (derived data altered)")
        }
    }

    // MARK: Stored derived data

    /// The stored nodes that entries at positions `[start, end)` complete: at level L, the
    /// nodes with index in `[start >> L, end >> L)`.
    private func loadStoredNodes(from start: UInt64, to end: UInt64) throws {
        storedNodes.removeAll(keepingCapacity: true)
        var level = 0
        while end >> UInt64(level) > 0 {
            let low = start >> UInt64(level), high = end >> UInt64(level)
            if high > low {
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT idx, hash FROM node WHERE level = ? AND idx >= ? AND idx < ?"),
                                            arguments: [level, LedgerSchema.sql(low), LedgerSchema.sql(high)])
                for row in rows {
                    guard let hash = LedgerHash(bytes: LedgerSchema.bytes(row, "hash")) else { continue }
                    storedNodes[NodePosition(level: level, index: LedgerSchema.unsigned(row, "idx"))] = hash
                }
            }
            level += 1
        }
    }

    // MARK: Problems and signatures

    /// Records the first problem found by the in-order walk. Checks run in log order (an
    /// entry's structure, then its signature, then the derived data it completes), and
    /// signatures queued before it are verified before the walk's verdict is taken.
    private func report(_ position: LedgerProblem.Position, _ what: String) {
        guard firstProblem == nil else { return }
        firstProblem = LedgerProblem(position, what)
    }

    /// Starts verifying the queued signatures in the background (in parallel across the
    /// cores), so the next page is read, decoded and walked meanwhile: Ed25519 verification is
    /// most of the work, and this keeps every core on it.
    private func startSignatures() {
        precondition(inFlight == nil, "one page of signatures in flight at a time")
        let checks = signatureChecks
        signatureChecks.removeAll(keepingCapacity: true)
        guard !checks.isEmpty else { return }
        let outcome = SignatureOutcome()
        let group = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: group) {
            outcome.firstFailure = LedgerParallel.firstFailure(count: checks.count, minimumChunk: 16) { offset in
                LedgerSignatures.isValid(checks[offset].signature, for: checks[offset].message,
                                         publicKey: checks[offset].publicKey)
            }
        }
        inFlight = (checks, group, outcome)
    }

    /// Waits for the signatures in flight and counts what passed. A failure comes before
    /// anything the walk found since (those are later in the log), so it replaces it.
    private func finishSignatures() {
        guard let (checks, group, outcome) = inFlight else { return }
        inFlight = nil
        group.wait()
        let failed = outcome.firstFailure
        for check in checks[..<(failed ?? checks.count)] {
            if let head = check.head {
                blocksPassed += 1
                lastPassedHead = head
            } else {
                entriesPassed += 1
            }
        }
        if let failed {
            firstProblem = checks[failed].problem
            signatureChecks.removeAll()
        }
    }
}

/// The result of a page's background signature verification, written before its dispatch
/// group leaves and read after `wait()`.
private final class SignatureOutcome: @unchecked Sendable {
    var firstFailure: Int? = nil
}

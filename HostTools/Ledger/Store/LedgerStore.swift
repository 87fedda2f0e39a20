import Foundation
import GRDB
import RampartRegistry
import Synchronization

/// The ledger of one gateway: one SQLite file (`ledger.sqlite` in the data directory; WAL,
/// `synchronous=FULL`), through GRDB's `DatabasePool` (one writer, concurrent readers).
///
/// A block is one transaction: its tree head, its entries, the perfect Merkle nodes it
/// completes (leaf hashes included), its membership changes and the queue rows it consumes are
/// committed together and synced before `append` returns, so a crash leaves either the whole
/// block or none of it. The end of the log (block count, Merkle frontier, membership) is kept
/// in memory so an append reads nothing but the last block's row; when another process (a CLI
/// tool next to the gateway) has appended in between, that row differs and the end is reloaded
/// inside the same write transaction.
public final class LedgerStore: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    private let tip: Mutex<LedgerTip>

    /// Opens (creating if needed) `<dataDirectory>/ledger.sqlite`; the directory is created
    /// with mode 0700 if it does not exist.
    public convenience init(dataDirectory: String) throws {
        do {
            try DataDirectoryLayout.create(dataDirectory)
        } catch {
            throw LedgerStoreError.storage(error.description)
        }
        try self.init(path: DataDirectoryLayout.path(dataDirectory, DataDirectoryLayout.ledger))
    }

    /// Opens (creating if needed, unless `readOnly`) the ledger at `path` and brings its
    /// schema up to date.
    ///
    /// A log whose end does not add up (its stored Merkle nodes do not give the last tree
    /// head's root, entries past the last block) still opens, for reading and verification;
    /// appends are then refused with `.damaged`.
    ///
    /// - Throws: `LedgerStoreError.storage` when the file cannot be written (or read), is not
    ///   a SQLite database, is another database, or was written by a newer rampart; the
    ///   message says what to do.
    public init(path: String, readOnly: Bool = false) throws {
        try LedgerAccess.checkAccessible(path, readOnly: readOnly)
        var configuration = Configuration()
        configuration.busyMode = .timeout(LedgerAccess.busyTimeoutSeconds)
        configuration.label = "rampart-ledger"
        configuration.readonly = readOnly
        configuration.prepareDatabase { db in
            // WAL (DatabasePool's journal mode) with a sync of the WAL at every commit: a
            // block that `append` returned from survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool: DatabasePool
        let tip: LedgerTip
        do {
            let migrator = LedgerSchema.migrator
            try LedgerAccess.checkExistingFileIsLedger(path, migrator: migrator)
            if !readOnly { try LedgerAccess.createPrivately(path) }
            pool = try DatabasePool(path: path, configuration: configuration)
            if readOnly {
                try pool.read { db in
                    try LedgerAccess.checkIsLedger(db, path: path, migrator: migrator)
                    guard try migrator.hasCompletedMigrations(db) else {
                        throw LedgerStoreError.storage("\(path) holds no ledger yet, or one of an older schema: open it "
                                                       + "once with write access (the gateway does) to bring it up to date")
                    }
                }
            } else {
                try migrator.migrate(pool)
            }
            tip = try pool.read { db in try Self.loadTip(db) }
        } catch {
            throw LedgerAccess.storeError(error, path: path)
        }
        self.path = path
        self.pool = pool
        self.tip = Mutex(tip)
    }

    // MARK: The end of the log

    /// Entries in the log (as of this object's last read of the end; see `refresh`).
    public var treeSize: UInt64 { tip.withLock { $0.treeSize } }
    /// Blocks in the log.
    public var blockCount: UInt64 { tip.withLock { $0.blockCount } }
    /// The last block's tree head, nil for an empty log.
    public var latestHead: TreeHead? { tip.withLock { $0.latestHead } }

    /// Current members (gateways that joined and have not left) and their public keys.
    public func members() -> [GatewayID: [UInt8]] {
        tip.withLock { $0.membership.members }
    }

    /// Every public key that ever joined, members or not: what tree heads and entries of
    /// this log are checked against.
    public func knownKeys() -> [GatewayID: [UInt8]] {
        tip.withLock { $0.membership.keys }
    }

    /// Whether `gateway`'s key has ever joined this ledger (it may have left since).
    func hasJoined(_ gateway: GatewayID) -> Bool {
        tip.withLock { $0.membership.keys[gateway] != nil }
    }

    /// Why the stored log cannot be extended, or nil: found when the store was opened or last
    /// refreshed (run `LedgerVerifier` for the first bad entry).
    public var damage: String? { tip.withLock { $0.damage } }

    /// Rereads the end of the log from the file, to see blocks another process appended.
    public func refresh() throws {
        let loaded = try reading { db in try Self.loadTip(db) }
        tip.withLock { $0 = loaded }
    }

    // MARK: Blocks

    /// Seals `entries` (in order) into the next block, signed by `signer`, without persisting
    /// it; indices follow the current tree size. For cluster mode, where the block is ordered
    /// through etcd and appended (`append`) when it comes back.
    ///
    /// If `signer` is not a member, the first entry must be its joined membership entry
    /// (`LedgerSigner.membershipEntry`).
    public func makeBlock(_ entries: [PendingEntry], signer: LedgerSigner, time: UInt64) throws -> LedgerBlock {
        let current = tip.withLock { $0 }
        if let damage = current.damage { throw LedgerStoreError.damaged(damage) }
        return try BlockRules.seal(entries, signer: signer, time: time, after: current).block
    }

    /// Validates `block` against the stored log and persists it in one transaction with its
    /// leaf hashes and new perfect nodes, deleting the given pending-queue rows. Durable
    /// (synced) when it returns.
    ///
    /// Validation: the number and indices follow on; every entry decodes strictly, is written
    /// by a member at that point (membership entries earlier in the same block count), is
    /// validly signed, and is written by the block's sealer; the root recomputed from the
    /// entries equals the head's; the head's signature verifies under the sealer's key.
    ///
    /// - Throws: `.refused(problem)` naming the first bad entry or the block (nothing is
    ///   written); `.damaged`, `.storage`.
    public func append(_ block: LedgerBlock, consumingPending pendingIDs: [Int64] = []) throws {
        try writing { db, current in
            let checked: CheckedBlock
            do throws(LedgerProblem) {
                checked = try BlockRules.check(block, after: current)
            } catch {
                throw LedgerStoreError.refused(error)
            }
            try Self.insert(checked, consumingPending: pendingIDs, db)
            current = checked.tip
        }
    }

    /// Seals `entries` into the next block and appends it, atomically: the block is made
    /// inside the write transaction, from the end of the log as the file has it, so a block
    /// another process appended in between is followed on rather than collided with.
    ///
    /// With `joiningAt` set, a signer that has never been a member first writes its joined
    /// membership entry with that address (the block then holds one more entry than
    /// `entries`). A gateway that has left is not rejoined behind the back of whoever removed
    /// it: its blocks are refused until it writes a joined entry explicitly.
    ///
    /// - Returns: the block as appended.
    @discardableResult
    public func seal(_ entries: [PendingEntry], signer: LedgerSigner, time: UInt64,
                     joiningAt address: String? = nil, consumingPending pendingIDs: [Int64] = []) throws -> LedgerBlock {
        try writing { db, current in
            var entries = entries
            if let address, current.membership.keys[signer.gatewayID] == nil {
                entries.insert(signer.membershipEntry(address: address, time: time), at: 0)
            }
            let checked = try BlockRules.seal(entries, signer: signer, time: time, after: current)
            try Self.insert(checked, consumingPending: pendingIDs, db)
            current = checked.tip
            return checked.block
        }
    }

    /// Writes a checked block's rows.
    private static func insert(_ checked: CheckedBlock, consumingPending pendingIDs: [Int64], _ db: Database) throws {
        let head = checked.block.head
        let number = LedgerSchema.sql(head.block)
        try db.cachedStatement(sql: LedgerSchema.insertBlock).execute(arguments: [
            number, LedgerSchema.sql(checked.block.firstIndex), LedgerSchema.sql(head.treeSize), Data(head.encoded),
        ])
        let insertEntry = try db.cachedStatement(sql: LedgerSchema.insertEntry)
        for (entry, bytes) in zip(checked.block.entries, checked.encodedEntries) {
            insertEntry.setUncheckedArguments([LedgerSchema.sql(entry.index), number, Data(bytes)])
            try insertEntry.execute()
        }
        let insertNode = try db.cachedStatement(sql: LedgerSchema.insertNode)
        for node in checked.nodes {
            insertNode.setUncheckedArguments([node.level, LedgerSchema.sql(node.index), Data(node.hash.bytes)])
            try insertNode.execute()
        }
        for change in checked.membershipChanges {
            try db.cachedStatement(sql: LedgerSchema.insertMembership).execute(arguments: [
                LedgerSchema.sql(change.index), Data(change.gateway.bytes), Data(change.publicKey), change.change.rawValue,
            ])
        }
        if !pendingIDs.isEmpty {
            let delete = try db.cachedStatement(sql: "DELETE FROM pending WHERE id = ?")
            for id in pendingIDs { try delete.execute(arguments: [id]) }
        }
    }

    // MARK: Loading the end of the log

    /// The end of the log as stored: the last block, the Merkle frontier from the stored
    /// perfect nodes, the membership. Inconsistencies are recorded as `damage`, not thrown,
    /// so a damaged ledger can still be read and verified.
    static func loadTip(_ db: Database) throws -> LedgerTip {
        var tip = LedgerTip()
        let advice = "run `rampart ledger verify` to find the first bad entry; restore ledger.sqlite from a backup"
        do {
            tip.membership = LedgerMembership(changes: try checkedMembership(db))
        } catch {
            tip.damage = "\(error): \(advice)"
        }
        guard let row = try Row.fetchOne(db, sql: LedgerSchema.selectLastBlock) else {
            if let stray = try Int64.fetchOne(db, sql: "SELECT min(idx) FROM entry") {
                tip.damage = "the ledger has no block but stores entry \(stray): \(advice)"
            }
            return tip
        }
        let number = UInt64(bitPattern: row["number"] as Int64)
        let head: TreeHead
        do {
            head = try TreeHead.decode(LedgerSchema.bytes(row, "head"))
        } catch {
            tip.damage = "the last block's tree head (block \(number)) does not decode (\(error)): \(advice)"
            return tip
        }
        tip.blockCount = number + 1
        tip.latestHead = head
        do {
            tip.frontier = try MerkleFrontier(size: head.treeSize, nodes: SQLiteMerkleNodes(db: db))
        } catch {
            tip.damage = "the stored Merkle nodes do not cover the last block's \(head.treeSize) entries (\(error)): \(advice)"
            return tip
        }
        if tip.damage != nil {
            return tip
        } else if tip.frontier.root != head.root {
            tip.damage = "the stored Merkle nodes do not give the last tree head's root: \(advice)"
        } else if let last = try Int64.fetchOne(db, sql: "SELECT max(idx) FROM entry"),
                  UInt64(bitPattern: last) + 1 != head.treeSize {
            tip.damage = "the last block ends at entry \(head.treeSize) but the last stored entry is \(last): \(advice)"
        } else if head.block != number {
            tip.damage = "the last block row is numbered \(number) but its tree head says block \(head.block): \(advice)"
        }
        return tip
    }

    /// The membership index, each row checked against the entry it indexes: appends trust
    /// the index to say who may write, so a row that does not match its entry (an added
    /// member) makes the log damaged rather than writable by a stranger.
    private static func checkedMembership(_ db: Database) throws -> [LedgerMembership.Change] {
        let changes = try LedgerSchema.fetchMembership(db)
        for change in changes {
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM entry WHERE idx = ?", arguments: [LedgerSchema.sql(change.index)])
            let entry = bytes.flatMap { try? SignedEntry.decode([UInt8]($0)) }
            guard let entry, entry.index == change.index, entry.type == .membership,
                  entry.body["public_key"]?.bytesValue == change.publicKey,
                  entry.body["change"]?.textValue == change.change.rawValue,
                  GatewayID(publicKey: change.publicKey) == change.gateway else {
                throw LedgerStoreError.damaged("the membership index row for entry \(change.index) does not match that entry")
            }
        }
        return changes
    }

    // MARK: Transactions

    /// Runs `body` in an IMMEDIATE transaction with the end of the log as the file has it,
    /// and keeps the end `body` leaves once the transaction has committed. Writes of this
    /// process are serialised by the pool, other processes' by SQLite's write lock.
    func writing<T>(_ body: (Database, inout LedgerTip) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T? = nil
                var next: LedgerTip? = nil
                try db.inTransaction(.immediate) {
                    var current = try currentTip(db)
                    if let damage = current.damage { throw LedgerStoreError.damaged(damage) }
                    result = try body(db, &current)
                    next = current
                    return .commit
                }
                if let next { tip.withLock { $0 = next } }
                return result!
            }
        } catch {
            throw LedgerAccess.storeError(error, path: path)
        }
    }

    /// The cached end of the log, reloaded if the file's last block is not the one it ends
    /// with (another process appended).
    private func currentTip(_ db: Database) throws -> LedgerTip {
        let cached = tip.withLock { $0 }
        let row = try Row.fetchOne(db, sql: "SELECT number, tree_size FROM block ORDER BY number DESC LIMIT 1")
        let stored = row.map { (UInt64(bitPattern: $0["number"] as Int64) + 1, LedgerSchema.unsigned($0, "tree_size")) }
        if (stored?.0 ?? 0) == cached.blockCount, (stored?.1 ?? 0) == cached.treeSize, cached.damage == nil {
            return cached
        }
        let loaded = try Self.loadTip(db)
        tip.withLock { $0 = loaded }
        return loaded
    }

    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw LedgerAccess.storeError(error, path: path)
        }
    }
}

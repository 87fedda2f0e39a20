import Foundation
import GRDB

// Reading the log and proving things about it. Every read is one snapshot (a read
// transaction on a pool reader), so it never sees half a block.
extension LedgerStore {
    /// Most rows one `entries` or `heads` call returns: a page, not the whole log, whatever
    /// `limit` says (read on from the last index returned).
    public static let maxPageSize = 65_536

    /// The entry at `index`, or nil past the end.
    ///
    /// - Throws: `.damaged` when the stored bytes are not a valid entry.
    public func entry(at index: UInt64) throws -> SignedEntry? {
        try entries(from: index, limit: 1).first
    }

    /// Up to `limit` consecutive entries from `index` (fewer at the end of the log).
    public func entries(from index: UInt64, limit: Int) throws -> [SignedEntry] {
        let limit = min(max(limit, 0), Self.maxPageSize)
        return try reading { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT idx, bytes FROM entry WHERE idx >= ? ORDER BY idx LIMIT ?"),
                                        arguments: [LedgerSchema.sql(index), limit])
            var entries: [SignedEntry] = []
            entries.reserveCapacity(rows.count)
            for (offset, row) in rows.enumerated() {
                let position = UInt64(bitPattern: row["idx"] as Int64)
                guard position == index + UInt64(offset) else {
                    throw LedgerStoreError.damaged("entry \(index + UInt64(offset)) is missing from \(path): run "
                                                   + "`rampart ledger verify`")
                }
                entries.append(try Self.decodeStored(LedgerSchema.bytes(row, "bytes"), position: position))
            }
            return entries
        }
    }

    /// Block `number` (its head and entries), or nil past the end.
    public func block(_ number: UInt64) throws -> LedgerBlock? {
        try reading { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT first_index, tree_size, head FROM block WHERE number = ?",
                                             arguments: [LedgerSchema.sql(number)]) else { return nil }
            let head = try Self.decodeStoredHead(LedgerSchema.bytes(row, "head"), number: number)
            let first = LedgerSchema.unsigned(row, "first_index")
            let rows = try Row.fetchAll(db, sql: "SELECT idx, bytes FROM entry WHERE idx >= ? AND idx < ? ORDER BY idx",
                                        arguments: [LedgerSchema.sql(first), LedgerSchema.sql(head.treeSize)])
            guard first <= head.treeSize, UInt64(rows.count) == head.treeSize - first else {
                throw LedgerStoreError.damaged("block \(number) is missing entries in \(path): run `rampart ledger verify`")
            }
            let entries = try rows.map { row in
                try Self.decodeStored(LedgerSchema.bytes(row, "bytes"), position: UInt64(bitPattern: row["idx"] as Int64))
            }
            return LedgerBlock(head: head, entries: entries)
        }
    }

    /// Up to `limit` tree heads from block `number` on.
    public func heads(from number: UInt64, limit: Int) throws -> [TreeHead] {
        let limit = min(max(limit, 0), Self.maxPageSize)
        return try reading { db in
            try Row.fetchAll(db, sql: "SELECT number, head FROM block WHERE number >= ? ORDER BY number LIMIT ?",
                             arguments: [LedgerSchema.sql(number), limit]).map { row in
                try Self.decodeStoredHead(LedgerSchema.bytes(row, "head"), number: UInt64(bitPattern: row["number"] as Int64))
            }
        }
    }

    // MARK: Proofs (RFC 9162 §2.1), from the stored perfect nodes

    /// `MTH(D[0:treeSize])`.
    public func rootHash(treeSize: UInt64) throws -> LedgerHash {
        try reading { db in
            try checkSize(treeSize, db)
            return try MerkleProofs.rootHash(size: treeSize, nodes: SQLiteMerkleNodes(db: db))
        }
    }

    /// `PATH(index, D[0:treeSize])`, deepest sibling first.
    public func inclusionProof(index: UInt64, treeSize: UInt64) throws -> [LedgerHash] {
        try reading { db in
            try checkSize(treeSize, db)
            guard index < treeSize else {
                throw LedgerStoreError.invalidRequest("entry \(index) is not in a tree of \(treeSize) entries")
            }
            return try MerkleProofs.inclusionProof(index: index, size: treeSize, nodes: SQLiteMerkleNodes(db: db))
        }
    }

    /// `PROOF(from, D[0:to])`: that the tree of `from` entries is a prefix of the tree of `to`.
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) throws -> [LedgerHash] {
        try reading { db in
            try checkSize(newSize, db)
            guard oldSize <= newSize else {
                throw LedgerStoreError.invalidRequest("a consistency proof goes from a smaller tree to a larger one, "
                                                      + "not from \(oldSize) to \(newSize) entries")
            }
            return try MerkleProofs.consistencyProof(from: oldSize, to: newSize, nodes: SQLiteMerkleNodes(db: db))
        }
    }

    /// Refuses a tree size past the stored log (read from the file, which may be ahead of
    /// this object's cached end).
    private func checkSize(_ treeSize: UInt64, _ db: Database) throws {
        let stored = try Int64.fetchOne(db.cachedStatement(sql: "SELECT tree_size FROM block ORDER BY number DESC LIMIT 1")) ?? 0
        guard treeSize <= UInt64(bitPattern: stored) else {
            throw LedgerStoreError.invalidRequest("the ledger holds \(stored) entries, fewer than the tree size \(treeSize) "
                                                  + "asked for")
        }
    }

    // MARK: Decoding stored rows

    static func decodeStored(_ bytes: [UInt8], position: UInt64) throws -> SignedEntry {
        let entry: SignedEntry
        do {
            entry = try SignedEntry.decode(bytes)
        } catch {
            throw LedgerStoreError.damaged("the stored entry \(position) is not valid (\(error)): run `rampart ledger verify`")
        }
        guard entry.index == position else {
            throw LedgerStoreError.damaged("position \(position) holds entry \(entry.index): run `rampart ledger verify`")
        }
        return entry
    }

    static func decodeStoredHead(_ bytes: [UInt8], number: UInt64) throws -> TreeHead {
        let head: TreeHead
        do {
            head = try TreeHead.decode(bytes)
        } catch {
            throw LedgerStoreError.damaged("the stored tree head of block \(number) is not valid (\(error)): run "
                                           + "`rampart ledger verify`")
        }
        guard head.block == number else {
            throw LedgerStoreError.damaged("block row \(number) holds the tree head of block \(head.block): run "
                                           + "`rampart ledger verify`")
        }
        return head
    }
}

// MARK: - The durable queue

// Cluster mode: entries a gateway must record while etcd is out of reach are acknowledged
// once they are here, and sealed into blocks (`append(_:consumingPending:)` deletes them in
// the block's transaction) when it can reach etcd again.
extension LedgerStore {
    /// Queues `entries` durably (one transaction, synced), in order.
    ///
    /// - Returns: their queue ids, for `append(_:consumingPending:)`.
    /// - Throws: `.invalidRequest` when an entry's body is not valid for its type (nothing is
    ///   queued).
    public func enqueue(_ entries: [PendingEntry]) throws -> [Int64] {
        var bodies: [[UInt8]] = []
        for (offset, entry) in entries.enumerated() {
            do {
                bodies.append(try entry.validate())
            } catch {
                throw LedgerStoreError.invalidRequest("entry \(offset) cannot be queued: \(error)")
            }
        }
        do {
            return try pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO pending (type, time, body) VALUES (?, ?, ?)")
                return try zip(entries, bodies).map { entry, body in
                    try insert.execute(arguments: [LedgerSchema.sql(entry.type.rawValue), LedgerSchema.sql(entry.time),
                                                   Data(body)])
                    return db.lastInsertedRowID
                }
            }
        } catch {
            throw LedgerAccess.storeError(error, path: path)
        }
    }

    /// The oldest `limit` queued entries with their ids (all of them for `Int.max`).
    public func pending(limit: Int) throws -> [(id: Int64, entry: PendingEntry)] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT id, type, time, body FROM pending ORDER BY id LIMIT ?",
                             arguments: [max(limit, 0)]).map { row in
                let id: Int64 = row["id"]
                let rawType = LedgerSchema.unsigned(row, "type")
                guard let type = EntryType(rawValue: rawType),
                      let body = try? CBORValue.decode(LedgerSchema.bytes(row, "body")) else {
                    throw LedgerStoreError.damaged("queued entry \(id) in \(path) is not valid: delete it with "
                                                   + "`sqlite3 \(path) 'DELETE FROM pending WHERE id = \(id)'`")
                }
                return (id, PendingEntry(type: type, time: LedgerSchema.unsigned(row, "time"), body: body))
            }
        }
    }

    /// Number of queued entries.
    public func pendingCount() throws -> Int {
        try reading { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pending") ?? 0 }
    }
}

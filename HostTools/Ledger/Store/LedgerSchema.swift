import Foundation
import GRDB

/// The ledger's tables (`ledger.sqlite`):
///
///     block       one row per block: its tree head (encoded, as signed) and its range
///     entry       one row per entry: the encoded signed entry, by position in the log
///     node        every perfect Merkle subtree hash, (level, idx); level 0 is the leaf hashes
///     membership  one row per membership entry (who may write), derived from `entry`
///     pending     the durable queue of entries not yet in a block (cluster mode)
///
/// `block` and `entry` are the log; `node` and `membership` are derived from it and written
/// in the same transaction, so proofs and appends need no rescans. `rampart ledger verify`
/// recomputes the derived tables and compares.
enum LedgerSchema {
    /// Every migration of the ledger starts with this, which tells a ledger file from another
    /// GRDB database (the registry) in `LedgerAccess.checkIsLedger`.
    static let migrationPrefix = "ledger "

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ledger v1: block, entry, node, membership, pending") { db in
            try db.execute(sql: """
                CREATE TABLE block (
                    number INTEGER PRIMARY KEY,
                    first_index INTEGER NOT NULL,
                    tree_size INTEGER NOT NULL,
                    head BLOB NOT NULL
                );
                CREATE TABLE entry (
                    idx INTEGER PRIMARY KEY,
                    block INTEGER NOT NULL,
                    bytes BLOB NOT NULL
                );
                CREATE TABLE node (
                    level INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    PRIMARY KEY (level, idx)
                ) WITHOUT ROWID;
                CREATE TABLE membership (
                    idx INTEGER PRIMARY KEY,
                    gateway BLOB NOT NULL,
                    public_key BLOB NOT NULL,
                    change TEXT NOT NULL CHECK (change IN ('joined', 'left'))
                );
                CREATE TABLE pending (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                """)
        }
        return migrator
    }

    // MARK: Statements (prepared once per connection through GRDB's statement cache)

    static let insertBlock = "INSERT INTO block (number, first_index, tree_size, head) VALUES (?, ?, ?, ?)"
    static let insertEntry = "INSERT INTO entry (idx, block, bytes) VALUES (?, ?, ?)"
    static let insertNode = "INSERT INTO node (level, idx, hash) VALUES (?, ?, ?)"
    static let insertMembership = "INSERT INTO membership (idx, gateway, public_key, change) VALUES (?, ?, ?, ?)"
    static let selectNode = "SELECT hash FROM node WHERE level = ? AND idx = ?"
    static let selectLastBlock = "SELECT number, tree_size, head FROM block ORDER BY number DESC LIMIT 1"

    /// An index or size as SQLite's signed 64-bit integer (the log stays far below 2^63).
    static func sql(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value)
    }

    // Reading columns without trusting them: a row edited by hand may hold any SQLite value,
    // and the verifier must report it, not crash on a failed conversion. (INTEGER PRIMARY KEY
    // columns are always integers and are read directly.)

    /// A BLOB (or TEXT) column's bytes; empty for NULL or a number, which then fails decoding.
    static func bytes(_ row: Row, _ column: String) -> [UInt8] {
        Data.fromDatabaseValue(row[column] as DatabaseValue).map { [UInt8]($0) } ?? []
    }

    /// An INTEGER column as an index or size; `UInt64.max`, which matches nothing, for
    /// anything else.
    static func unsigned(_ row: Row, _ column: String) -> UInt64 {
        Int64.fromDatabaseValue(row[column] as DatabaseValue).map { UInt64(bitPattern: $0) } ?? .max
    }

    /// The membership rows in log order.
    static func fetchMembership(_ db: Database) throws -> [LedgerMembership.Change] {
        try Row.fetchAll(db, sql: "SELECT idx, gateway, public_key, change FROM membership ORDER BY idx").map { row in
            let change = String.fromDatabaseValue(row["change"] as DatabaseValue) ?? ""
            guard let id = GatewayID(bytes: bytes(row, "gateway")), let kind = MembershipChange(rawValue: change) else {
                throw LedgerStoreError.damaged("a membership row is malformed")
            }
            return LedgerMembership.Change(index: UInt64(bitPattern: row["idx"] as Int64), gateway: id,
                                           publicKey: bytes(row, "public_key"), change: kind)
        }
    }
}

/// The stored perfect nodes as a `MerkleNodeSource`, read through one connection with a
/// prepared statement: a proof at 10^6 entries is about 40 indexed point reads.
struct SQLiteMerkleNodes: MerkleNodeSource {
    let db: Database

    func node(level: Int, index: UInt64) throws -> LedgerHash {
        let statement = try db.cachedStatement(sql: LedgerSchema.selectNode)
        statement.setUncheckedArguments([level, LedgerSchema.sql(index)])
        guard let row = try Row.fetchOne(statement) else {
            throw MerkleNodeSourceError.missingNode(level: level, index: index)
        }
        guard let hash = LedgerHash(bytes: LedgerSchema.bytes(row, "hash")) else {
            throw LedgerStoreError.damaged("the stored Merkle node (\(level), \(index)) is not 32 bytes: run `rampart ledger verify`")
        }
        return hash
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GRDB
import RampartRegistry

/// The checks and messages around opening `ledger.sqlite`: each failure an operator can meet
/// (permissions, a stray file, the registry opened by mistake, a newer rampart's ledger)
/// becomes a sentence that says what to do, instead of a bare SQLite code.
enum LedgerAccess {
    /// How long a write waits for another process's block (the gateway and a CLI tool) before
    /// failing.
    static let busyTimeoutSeconds: Double = 10

    /// Refuses early, with a clear reason, a directory that cannot take the database and its
    /// WAL files, or a file this user cannot read (and, unless `readOnly`, write).
    static func checkAccessible(_ path: String, readOnly: Bool) throws(LedgerStoreError) {
        let directory = parentDirectory(of: path)
        if !readOnly, access(directory, W_OK | X_OK) != 0 {
            let code = errno
            throw .storage("the ledger's directory \(directory) is not writable by this user (\(text(code))); SQLite "
                           + "creates its WAL files next to \(path): give this user the directory (chown, chmod u+rwx) "
                           + "or choose another --data-dir")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            if readOnly { throw .storage("\(path) does not exist: give the path of a ledger.sqlite, or --data-dir") }
            return
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .storage("\(path) is not a file: move it away, or choose another --data-dir")
        }
        guard access(path, readOnly ? R_OK : R_OK | W_OK) == 0 else {
            let code = errno
            throw .storage("\(path) is not \(readOnly ? "readable" : "readable and writable") by this user "
                           + "(\(text(code))): fix its owner or mode (chown, chmod 600), or run rampart as its owner")
        }
    }

    /// Creates an empty database file with mode 0600 if there is none (SQLite would make it
    /// 0644, and gives its WAL files the database file's mode).
    static func createPrivately(_ path: String) throws(LedgerStoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        let code = errno
        guard code == EEXIST else {
            throw .storage("cannot create \(path): \(text(code)); check the data directory's permissions")
        }
    }

    /// Looks at an existing, non-empty file read-only before the ledger opens it for writing
    /// (which would switch it to WAL and add tables): another program's database is refused
    /// untouched.
    static func checkExistingFileIsLedger(_ path: String, migrator: DatabaseMigrator) throws {
        var status = stat()
        guard stat(path, &status) == 0, status.st_size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.read { db in try checkIsLedger(db, path: path, migrator: migrator) }
    }

    /// Refuses a database that is not a ledger (another program's, or another Rampart file
    /// such as the registry) or that a newer rampart has migrated past this one's schema.
    static func checkIsLedger(_ db: Database, path: String, migrator: DatabaseMigrator) throws {
        if try db.tableExists("grdb_migrations") {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            guard applied.contains(where: { $0.hasPrefix(LedgerSchema.migrationPrefix) }) || applied.isEmpty else {
                throw LedgerStoreError.storage("\(path) is another Rampart or GRDB database (such as registry.sqlite), "
                                               + "not a ledger: give the path of ledger.sqlite, or move this file away")
            }
            guard try !migrator.hasBeenSuperseded(db) else {
                throw LedgerStoreError.storage("\(path) has schema changes this rampart does not know: it was written by "
                                               + "a newer rampart; upgrade this one")
            }
            return
        }
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
        guard tables == 0 else {
            throw LedgerStoreError.storage("\(path) is a SQLite database of another program, not a Rampart ledger: move it "
                                           + "away (a new ledger is then created) or choose another --data-dir")
        }
    }

    /// Any error of a store operation as a `LedgerStoreError`, SQLite's codes turned into advice.
    static func storeError(_ error: any Error, path: String) -> LedgerStoreError {
        if let error = error as? LedgerStoreError { return error }
        if let error = error as? LedgerProblem { return .refused(error) }
        if let error = error as? MerkleNodeSourceError {
            return .invalidRequest("\(error)")
        }
        guard let error = error as? DatabaseError else { return .storage("\(path): \(error)") }
        let detail = error.message.map { " (SQLite: \($0))" } ?? ""
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return .storage("\(path) is not a SQLite database, so not a Rampart ledger: move it away "
                            + "(a new ledger is then created) or choose another --data-dir")
        case .SQLITE_CORRUPT:
            return .storage("\(path) is corrupt\(detail): restore it from a backup, or from a peer gateway in a cluster")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return .storage("cannot write \(path)\(detail): check that this user owns the data directory and its files "
                            + "(chown, chmod u+rw), or choose another --data-dir")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .storage("\(path) stayed locked by another process for more than \(Int(busyTimeoutSeconds)) s\(detail): retry")
        case .SQLITE_FULL:
            return .storage("the disk holding \(path) is full: free some space; the entries not yet written are kept "
                            + "in memory and retried")
        case .SQLITE_IOERR:
            return .storage("I/O error on \(path)\(detail): check the disk")
        case .SQLITE_CONSTRAINT:
            return .storage("\(path) already holds rows this block would add\(detail): the stored log is damaged; run "
                            + "`rampart ledger verify`")
        default:
            return .storage("\(path): SQLite error \(error.resultCode.rawValue)\(detail)")
        }
    }

    private static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }

    private static func text(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}

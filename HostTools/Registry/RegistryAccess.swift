#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GRDB
import RampartGateway

/// The checks and messages around opening the registry file: each failure an operator can
/// meet (permissions, a stray file, a newer rampart's database) becomes a sentence that
/// says what to do, instead of a bare SQLite code.
enum RegistryAccess {
    /// Refuses early, with a clear reason, what SQLite would refuse later as "unable to open
    /// database file": a directory that cannot take the database and its WAL files, or a
    /// file this user cannot write.
    static func checkWritable(_ path: String) throws(DeviceDirectoryError) {
        let directory = DataDirectoryLayout.parentDirectory(of: path) ?? "."
        guard access(directory, W_OK | X_OK) == 0 else {
            let code = errno
            throw .storage("the registry's directory \(directory) is not writable by this user (\(errnoText(code))); "
                           + "SQLite creates its WAL files next to \(path): give this user the directory "
                           + "(chown, chmod u+rwx) or choose another --data-dir")
        }
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .storage("\(path) is not a file: move it away, or choose another --data-dir")
        }
        guard access(path, R_OK | W_OK) == 0 else {
            let code = errno
            throw .storage("\(path) is not readable and writable by this user (\(errnoText(code))): "
                           + "fix its owner or mode (chown, chmod 600), or run rampart as its owner")
        }
    }

    /// Creates an empty database file with mode 0600 if there is none. SQLite would create
    /// it 0644; it gives the WAL and shared-memory files the mode of the database file.
    static func createPrivately(_ path: String) throws(DeviceDirectoryError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        let code = errno
        guard code == EEXIST else {
            throw .storage("cannot create \(path): \(errnoText(code)); check the data directory's permissions")
        }
    }

    /// Looks at an existing, non-empty file read-only before the registry opens it for
    /// writing (which would switch it to WAL and add tables): another program's database is
    /// refused untouched.
    static func checkExistingFileIsRegistry(_ path: String, migrator: DatabaseMigrator) throws {
        var status = stat()
        guard stat(path, &status) == 0, status.st_size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(SQLiteDeviceRegistry.busyTimeoutSeconds)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.read { db in try checkIsRegistry(db, path: path, migrator: migrator) }
    }

    /// Refuses a SQLite database that is not a registry (its tables are another program's)
    /// or that a newer rampart has migrated past this one's schema.
    static func checkIsRegistry(_ db: Database, path: String, migrator: DatabaseMigrator) throws {
        if try db.tableExists("grdb_migrations") {
            guard try !migrator.hasBeenSuperseded(db) else {
                throw DeviceDirectoryError.storage(
                    "\(path) has schema changes this rampart does not know: it was written by a newer rampart "
                    + "(upgrade this one) or by another program (choose another --data-dir)")
            }
            return
        }
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
        guard tables == 0 else {
            throw DeviceDirectoryError.storage(
                "\(path) is a SQLite database of another program, not a Rampart registry: move it away "
                + "(a new registry is then created) or choose another --data-dir")
        }
    }

    /// Any error of a registry operation as a `DeviceDirectoryError`, SQLite's codes turned
    /// into advice.
    static func storageError(_ error: any Error, path: String) -> DeviceDirectoryError {
        if let error = error as? DeviceDirectoryError { return error }
        guard let error = error as? DatabaseError else { return .storage("\(path): \(error)") }
        let detail = error.message.map { " (SQLite: \($0))" } ?? ""
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return .storage("\(path) is not a SQLite database, so not a Rampart registry: move it away "
                            + "(a new registry is then created) or choose another --data-dir")
        case .SQLITE_CORRUPT:
            return .storage("\(path) is corrupt\(detail): restore it from a backup")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return .storage("cannot write \(path)\(detail): check that this user owns the data directory and its "
                            + "files (chown, chmod u+rw), or choose another --data-dir")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .storage("\(path) stayed locked by another process for more than "
                            + "\(Int(SQLiteDeviceRegistry.busyTimeoutSeconds)) s\(detail): retry")
        case .SQLITE_FULL:
            return .storage("the disk holding \(path) is full: free some space and retry")
        case .SQLITE_IOERR:
            return .storage("I/O error on \(path)\(detail): check the disk")
        default:
            return .storage("\(path): SQLite error \(error.resultCode.rawValue)\(detail)")
        }
    }
}

import Foundation
import GRDB
import RampartGateway
import Synchronization

/// The device registry of the embedded deployment: one SQLite file (`registry.sqlite` in the
/// data directory, WAL, through GRDB's `DatabasePool`), shared by the gateway and the
/// `rampart devices` commands.
///
/// `device(kid:)` runs once per handshake, thousands of times a second, so it is answered
/// from memory (`DeviceCache`) once a kid has been seen; a miss reads SQLite and absence is
/// never cached, so a device that `rampart devices add` registers from another process is
/// found on its first handshake. Every write goes through a transaction that also records
/// status changes (`device_status_change`), and updates the cache before the next write
/// starts. Status changes made by another process are seen by this object only for kids it
/// has not cached: the gateway's own actions go through the gateway's object.
public final class SQLiteDeviceRegistry: DeviceRegistrar {
    /// How long a write waits for another process's write (e.g. `rampart devices add` while
    /// the gateway records a quarantine) before failing.
    public static let busyTimeoutSeconds: TimeInterval = 5
    /// Records kept in memory by default: every device of a large deployment.
    public static let defaultCacheCapacity = 1 << 20

    /// The database file.
    public let path: String
    private let pool: DatabasePool
    private let cache: Mutex<DeviceCache>

    /// Opens (creating if needed) `<dataDirectory>/registry.sqlite`; the directory is
    /// created with mode 0700 if it does not exist.
    ///
    /// - Throws: `DeviceDirectoryError.storage`, saying what to do.
    public convenience init(dataDirectory: String, cacheCapacity: Int = defaultCacheCapacity) throws {
        do {
            try DataDirectoryLayout.create(dataDirectory)
        } catch {
            throw DeviceDirectoryError.storage(error.description)
        }
        try self.init(path: DataDirectoryLayout.path(dataDirectory, DataDirectoryLayout.registry), cacheCapacity: cacheCapacity)
    }

    /// Opens (creating if needed) the registry at `path` and brings its schema up to date.
    ///
    /// - Throws: `DeviceDirectoryError.storage` when the file cannot be written, is not a
    ///   SQLite database, is another application's database, or was written by a newer
    ///   rampart; the message says what to do.
    public init(path: String, cacheCapacity: Int = defaultCacheCapacity) throws {
        try RegistryAccess.checkWritable(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
        configuration.label = "rampart-registry"
        let pool: DatabasePool
        do {
            let migrator = RegistrySchema.migrator
            try RegistryAccess.checkExistingFileIsRegistry(path, migrator: migrator)
            try RegistryAccess.createPrivately(path)
            pool = try DatabasePool(path: path, configuration: configuration)
            try migrator.migrate(pool)
        } catch {
            throw RegistryAccess.storageError(error, path: path)
        }
        self.path = path
        self.pool = pool
        cache = Mutex(DeviceCache(capacity: cacheCapacity))
    }

    // MARK: DeviceDirectory

    public func device(kid: [UInt8]) throws -> DeviceRecord? {
        let (cached, generation) = cache.withLock { $0.lookup(kid) }
        if let cached { return cached }
        let record = try reading { db in try RegistrySchema.fetchRegistration(db, kid: kid)?.record }
        if let record { cache.withLock { $0.fill(record, lookedUpIn: generation) } }
        return record
    }

    public func setStatus(_ status: DeviceStatus, kid: [UInt8], reason: String) throws -> Bool {
        try writing { db in
            guard let current = try RegistrySchema.fetchRegistration(db, kid: kid)?.record else {
                throw DeviceDirectoryError.unknownDevice(kid: kid)
            }
            // Already there: nothing to record, but the cache learns the row as it is.
            guard current.status != status else { return (false, .store(current)) }
            let now = Date()
            try db.execute(sql: "UPDATE device SET status = ?, updated_at = ? WHERE kid = ?",
                           arguments: [status.rawValue, now, Data(kid)])
            try RegistrySchema.insertStatusChange(
                DeviceStatusChange(kid: kid, from: current.status, to: status, reason: reason, at: now), db)
            var updated = current
            updated.status = status
            return (true, .store(updated))
        }
    }

    // MARK: DeviceRegistrar

    /// Adds a device after checking it (`DeviceRecordValidation`): its credential must be a
    /// CCS whose kid is the record's and whose suite is among the record's.
    public func add(_ device: DeviceRecord) throws {
        try DeviceRecordValidation.check(device)
        try writing { db in
            guard try RegistrySchema.fetchRegistration(db, kid: device.kid) == nil else {
                throw DeviceDirectoryError.duplicateDevice(kid: device.kid)
            }
            let now = Date()
            try RegistrySchema.insert(device, at: now, db)
            try RegistrySchema.insertStatusChange(
                DeviceStatusChange(kid: device.kid, from: nil, to: device.status, reason: "registered", at: now), db)
            return ((), .store(device))
        }
    }

    // MARK: Management

    /// Every device, oldest registration first.
    public func list() throws -> [DeviceRecord] {
        try registrations().map(\.record)
    }

    /// Every device with its timestamps, oldest registration first.
    public func registrations() throws -> [DeviceRegistration] {
        try reading { db in try RegistrySchema.fetchAllRegistrations(db) }
    }

    /// The device with its timestamps, read from the file (not the cache), or nil.
    public func registration(kid: [UInt8]) throws -> DeviceRegistration? {
        try reading { db in try RegistrySchema.fetchRegistration(db, kid: kid) }
    }

    /// The device's status changes, oldest first, starting with its registration.
    /// Throws `.unknownDevice` if no device has `kid`.
    public func statusHistory(kid: [UInt8]) throws -> [DeviceStatusChange] {
        try reading { db in
            guard try RegistrySchema.fetchRegistration(db, kid: kid) != nil else {
                throw DeviceDirectoryError.unknownDevice(kid: kid)
            }
            return try RegistrySchema.fetchStatusHistory(db, kid: kid)
        }
    }

    /// Deletes the device and its history; returns false if there was none. To keep a
    /// device out for good, revoke it (`setStatus(.revoked, …)`) instead: a removed kid can
    /// be registered again.
    @discardableResult
    public func remove(kid: [UInt8]) throws -> Bool {
        try writing { db in
            try db.execute(sql: "DELETE FROM device WHERE kid = ?", arguments: [Data(kid)])
            return (db.changesCount > 0, .remove(kid))
        }
    }

    // MARK: Transactions

    /// What a committed write does to the cache.
    private enum CacheUpdate {
        case store(DeviceRecord)
        case remove([UInt8])
    }

    /// Runs `body` in an IMMEDIATE transaction, then, once it has committed and while this
    /// object's writes are still serialised, applies its cache update: the cache changes in
    /// commit order and never shows a row that is not in the file.
    private func writing<T>(_ body: (Database) throws -> (T, CacheUpdate)) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var outcome: (T, CacheUpdate)? = nil
                try db.inTransaction(.immediate) {
                    outcome = try body(db)
                    return .commit
                }
                guard let (result, update) = outcome else { preconditionFailure("a committed transaction without an outcome") }
                cache.withLock { cache in
                    switch update {
                    case .store(let record): cache.apply(kid: record.kid, record: record)
                    case .remove(let kid): cache.apply(kid: kid, record: nil)
                    }
                }
                return result
            }
        } catch {
            throw RegistryAccess.storageError(error, path: path)
        }
    }

    private func reading<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw RegistryAccess.storageError(error, path: path)
        }
    }
}

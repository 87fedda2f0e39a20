import Foundation
import GRDB
import RampartGateway

/// The registry's tables and how rows map to `DeviceRecord`s.
///
///     device                  one row per registered device, keyed by the credential's kid
///     device_status_change    every status change, written in the transaction that makes it
enum RegistrySchema {
    /// Migrations in order; a database with a migration not listed here was written by a
    /// newer rampart and is refused rather than misread.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: device, device_status_change") { db in
            try db.execute(sql: """
                CREATE TABLE device (
                    kid BLOB NOT NULL PRIMARY KEY,
                    credential BLOB NOT NULL,
                    suites TEXT NOT NULL,
                    policy_group TEXT NOT NULL,
                    rekey_interval_seconds INTEGER NOT NULL,
                    telemetry_interval_seconds INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'quarantined', 'revoked')),
                    label TEXT NOT NULL,
                    registered_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE device_status_change (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kid BLOB NOT NULL REFERENCES device(kid) ON DELETE CASCADE,
                    from_status TEXT,
                    to_status TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX device_status_change_by_kid ON device_status_change(kid, id);
                """)
        }
        return migrator
    }

    static let deviceColumns = """
        kid, credential, suites, policy_group, rekey_interval_seconds, telemetry_interval_seconds, status, label, \
        registered_at, updated_at
        """

    /// The row of `kid`, or nil.
    static func fetchRegistration(_ db: Database, kid: [UInt8]) throws -> DeviceRegistration? {
        try Row.fetchOne(db, sql: "SELECT \(deviceColumns) FROM device WHERE kid = ?", arguments: [Data(kid)])
            .map(registration(from:))
    }

    static func fetchAllRegistrations(_ db: Database) throws -> [DeviceRegistration] {
        try Row.fetchAll(db, sql: "SELECT \(deviceColumns) FROM device ORDER BY registered_at, kid")
            .map(registration(from:))
    }

    static func insert(_ record: DeviceRecord, at now: Date, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO device (\(deviceColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
            Data(record.kid), Data(record.credential), try encodeSuites(record.suites), record.policy.group,
            record.policy.rekeyIntervalSeconds, record.policy.telemetryIntervalSeconds, record.status.rawValue,
            record.label, now, now,
        ])
    }

    static func insertStatusChange(_ change: DeviceStatusChange, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO device_status_change (kid, from_status, to_status, reason, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [Data(change.kid), change.from?.rawValue, change.to.rawValue, change.reason, change.at])
    }

    static func fetchStatusHistory(_ db: Database, kid: [UInt8]) throws -> [DeviceStatusChange] {
        try Row.fetchAll(db, sql: """
            SELECT kid, from_status, to_status, reason, at FROM device_status_change WHERE kid = ? ORDER BY id
            """, arguments: [Data(kid)]).map { row in
            let from: String? = try row.decode(forColumn: "from_status")
            return DeviceStatusChange(kid: [UInt8](try row.decode(Data.self, forColumn: "kid")),
                                      from: try from.map(status(from:)),
                                      to: try status(from: try row.decode(forColumn: "to_status")),
                                      reason: try row.decode(forColumn: "reason"),
                                      at: try row.decode(forColumn: "at"))
        }
    }

    /// A row as a registration. Every column is decoded with the throwing API, so a row
    /// edited by hand into something impossible is an error, not a crash.
    static func registration(from row: Row) throws -> DeviceRegistration {
        let policy = DevicePolicy(group: try row.decode(forColumn: "policy_group"),
                                  rekeyIntervalSeconds: try row.decode(forColumn: "rekey_interval_seconds"),
                                  telemetryIntervalSeconds: try row.decode(forColumn: "telemetry_interval_seconds"))
        let record = DeviceRecord(kid: [UInt8](try row.decode(Data.self, forColumn: "kid")),
                                  credential: [UInt8](try row.decode(Data.self, forColumn: "credential")),
                                  suites: try decodeSuites(try row.decode(forColumn: "suites")),
                                  policy: policy,
                                  status: try status(from: try row.decode(forColumn: "status")),
                                  label: try row.decode(forColumn: "label"))
        return DeviceRegistration(record: record, registeredAt: try row.decode(forColumn: "registered_at"),
                                  updatedAt: try row.decode(forColumn: "updated_at"))
    }

    /// Suites as a JSON array ("[0]", "[2,0]"), readable in the sqlite3 shell.
    static func encodeSuites(_ suites: [Int32]) throws -> String {
        String(decoding: try JSONEncoder().encode(suites), as: UTF8.self)
    }

    static func decodeSuites(_ text: String) throws -> [Int32] {
        do {
            return try JSONDecoder().decode([Int32].self, from: Data(text.utf8))
        } catch {
            throw DeviceDirectoryError.storage("a device row has suites \(text), not a JSON array of integers")
        }
    }

    static func status(from text: String) throws -> DeviceStatus {
        guard let status = DeviceStatus(rawValue: text) else {
            throw DeviceDirectoryError.storage("a row has the unknown status \(text)")
        }
        return status
    }
}

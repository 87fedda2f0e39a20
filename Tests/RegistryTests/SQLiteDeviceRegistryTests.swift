import Foundation
import GRDB
import RampartGateway
import RampartRegistry
import Testing

@Suite("SQLite device registry")
struct SQLiteDeviceRegistryTests {
    @Test func addListShowRoundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let first = try deviceRecord(kid: [0x01, 0x02], suite: 0, label: "greenhouse 1",
                                     policy: DevicePolicy(group: "greenhouse", rekeyIntervalSeconds: 600,
                                                          telemetryIntervalSeconds: 5))
        let second = try deviceRecord(kid: [0x2B], suite: 2, label: "cellar")
        try registry.add(first)
        try registry.add(second)

        #expect(try registry.list() == [first, second])
        #expect(try registry.device(kid: first.kid) == first)
        #expect(try registry.device(kid: second.kid) == second)
        #expect(try registry.device(kid: [0x99]) == nil)
        let shown = try #require(try registry.registration(kid: second.kid))
        #expect(shown.record == second)
        #expect(shown.registeredAt <= shown.updatedAt)
        #expect(abs(shown.registeredAt.timeIntervalSinceNow) < 60)
        let history = try registry.statusHistory(kid: first.kid)
        #expect(history.count == 1)
        #expect(history.first?.from == nil)
        #expect(history.first?.to == .active)
        #expect(history.first?.reason == "registered")
        #expect(try mode(of: directory.path) == 0o700)
        #expect(try mode(of: directory.file("registry.sqlite")) == 0o600)
    }

    @Test func reopeningKeepsDevicesStatusesAndHistory() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let device = try deviceRecord(kid: [0xA1, 0xB2, 0xC3], suite: 2, label: "pump")
        do {
            let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
            try registry.add(device)
            #expect(try registry.setStatus(.quarantined, kid: device.kid, reason: "test: replayed message_1"))
        }
        let reopened = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        var expected = device
        expected.status = .quarantined
        #expect(try reopened.device(kid: device.kid) == expected)
        #expect(try reopened.list() == [expected])
        let history = try reopened.statusHistory(kid: device.kid)
        #expect(history.map(\.to) == [.active, .quarantined])
        #expect(history.last?.reason == "test: replayed message_1")
    }

    @Test func duplicateKidIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let original = try deviceRecord(kid: [0x05, 0x06], label: "original")
        try registry.add(original)
        let impostor = try deviceRecord(kid: [0x05, 0x06], label: "impostor")
        #expect(throws: DeviceDirectoryError.duplicateDevice(kid: [0x05, 0x06])) { try registry.add(impostor) }
        #expect(try registry.list() == [original])
    }

    @Test func recordsThatCannotAuthenticateAreRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let credential = try deviceCredential(kid: [0x11, 0x22], suite: 0)

        let otherKid = DeviceRecord(kid: [0x11, 0x23], credential: credential, suites: [0])
        let error = try #require(throws: DeviceDirectoryError.self) { try registry.add(otherKid) }
        #expect(String(describing: error).contains("1122"))

        let otherSuite = DeviceRecord(kid: [0x11, 0x22], credential: credential, suites: [2])
        #expect(throws: DeviceDirectoryError.self) { try registry.add(otherSuite) }
        let unknownSuite = DeviceRecord(kid: [0x11, 0x22], credential: credential, suites: [0, 7])
        #expect(throws: DeviceDirectoryError.self) { try registry.add(unknownSuite) }
        let garbage = DeviceRecord(kid: [0x11, 0x22], credential: [0xA2, 0x01], suites: [0])
        #expect(throws: DeviceDirectoryError.self) { try registry.add(garbage) }
        let badPolicy = DeviceRecord(kid: [0x11, 0x22], credential: credential, suites: [0],
                                     policy: DevicePolicy(group: "g", rekeyIntervalSeconds: 0))
        #expect(throws: DeviceDirectoryError.self) { try registry.add(badPolicy) }
        #expect(try registry.list().isEmpty)

        try registry.add(DeviceRecord(kid: [0x11, 0x22], credential: credential, suites: [0]))
        #expect(try registry.list().count == 1)
    }

    @Test func setStatusIsIdempotentAndRecordsEachChange() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let device = try deviceRecord(kid: [0x42, 0x42])
        try registry.add(device)

        #expect(try registry.setStatus(.quarantined, kid: device.kid, reason: "detector: risk 0.97"))
        #expect(try !registry.setStatus(.quarantined, kid: device.kid, reason: "detector: again"))
        #expect(try registry.setStatus(.active, kid: device.kid, reason: "operator: released"))
        #expect(try !registry.setStatus(.active, kid: device.kid, reason: "operator: again"))

        let history = try registry.statusHistory(kid: device.kid)
        #expect(history.map(\.from) == [nil, .active, .quarantined])
        #expect(history.map(\.to) == [.active, .quarantined, .active])
        #expect(history.map(\.reason) == ["registered", "detector: risk 0.97", "operator: released"])
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.at <= $1.at })

        #expect(throws: DeviceDirectoryError.unknownDevice(kid: [0x01])) {
            try registry.setStatus(.revoked, kid: [0x01], reason: "no such device")
        }
        #expect(throws: DeviceDirectoryError.unknownDevice(kid: [0x01])) { try registry.statusHistory(kid: [0x01]) }
    }

    /// `rampart devices add` runs in another process while the gateway serves handshakes: a
    /// kid the gateway looked up before (and did not find) must be found at once.
    @Test func aSecondRegistryOnTheSameFileSeesAddedDevices() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let gateway = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let cli = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let device = try deviceRecord(kid: [0x07, 0x70], suite: 2)

        #expect(try gateway.device(kid: device.kid) == nil)
        try cli.add(device)
        #expect(try gateway.device(kid: device.kid) == device)
        #expect(try gateway.list() == [device])
    }

    @Test func theCacheNeverHidesAWriteThroughTheObject() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let device = try deviceRecord(kid: [0x33, 0x44])
        try registry.add(device)
        #expect(try registry.device(kid: device.kid)?.status == .active)

        for status in [DeviceStatus.quarantined, .active, .revoked] {
            _ = try registry.setStatus(status, kid: device.kid, reason: "test")
            #expect(try registry.device(kid: device.kid)?.status == status)
        }
        #expect(try registry.remove(kid: device.kid))
        #expect(try registry.device(kid: device.kid) == nil)
        #expect(try !registry.remove(kid: device.kid))
        // A removed kid can be registered again, with a fresh history.
        try registry.add(device)
        #expect(try registry.device(kid: device.kid) == device)
        #expect(try registry.statusHistory(kid: device.kid).count == 1)
    }

    /// Once seen, a kid is answered from memory: a row deleted behind the object's back (by
    /// another process) is still served, which is the price of not reading SQLite per handshake.
    @Test func lookupsAreServedFromMemoryOnceSeen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let gateway = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let other = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let device = try deviceRecord(kid: [0x55, 0x66])
        try gateway.add(device)
        #expect(try gateway.device(kid: device.kid) == device)
        #expect(try other.remove(kid: device.kid))
        #expect(try gateway.device(kid: device.kid) == device)
        #expect(try gateway.registration(kid: device.kid) == nil)
    }

    @Test func concurrentLookupsAndStatusChangesAgree() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let registry = try SQLiteDeviceRegistry(dataDirectory: directory.path, cacheCapacity: 4)
        var kids: [[UInt8]] = []
        for i in 0..<8 {
            let device = try deviceRecord(kid: [0x70, UInt8(i)])
            try registry.add(device)
            kids.append(device.kid)
        }
        let allKids = kids
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<20 {
                    for kid in allKids {
                        _ = try registry.setStatus(round.isMultiple(of: 2) ? .quarantined : .active, kid: kid, reason: "flip")
                    }
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<200 {
                        for kid in allKids { _ = try #require(try registry.device(kid: kid)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Round 19 was odd: every device ended active, and the cache (capacity 4, so it also
        // evicted) agrees with the file.
        for kid in allKids {
            #expect(try registry.device(kid: kid)?.status == .active)
            #expect(try registry.registration(kid: kid)?.record.status == .active)
            #expect(try registry.statusHistory(kid: kid).count == 21)
        }
    }

    // MARK: Opening

    @Test func aFileThatIsNotSQLiteIsRefusedWithAdvice() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        try Data(String(repeating: "not a database, just text\n", count: 40).utf8)
            .write(to: URL(fileURLWithPath: directory.file("registry.sqlite")))
        let error = try #require(throws: DeviceDirectoryError.self) {
            try SQLiteDeviceRegistry(dataDirectory: directory.path)
        }
        #expect(String(describing: error).contains("not a SQLite database"))
        #expect(String(describing: error).contains("--data-dir"))
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory.file("registry.sqlite"))
        try queue.write { db in try db.execute(sql: "CREATE TABLE recipes (name TEXT)") }
        try queue.close()
        let error = try #require(throws: DeviceDirectoryError.self) {
            try SQLiteDeviceRegistry(dataDirectory: directory.path)
        }
        #expect(String(describing: error).contains("another program"))
    }

    @Test func aNewerRegistryIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        _ = try SQLiteDeviceRegistry(dataDirectory: directory.path)
        let queue = try DatabaseQueue(path: directory.file("registry.sqlite"))
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: future')") }
        try queue.close()
        let error = try #require(throws: DeviceDirectoryError.self) {
            try SQLiteDeviceRegistry(dataDirectory: directory.path)
        }
        #expect(String(describing: error).contains("newer rampart"))
    }

    @Test func aDataDirectoryThatIsAFileIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.file("data")))
        let error = try #require(throws: DeviceDirectoryError.self) {
            try SQLiteDeviceRegistry(dataDirectory: directory.file("data"))
        }
        #expect(String(describing: error).contains("not a directory"))
    }

    /// Root may write anywhere, so this runs only for other users.
    @Test(.enabled(if: geteuid() != 0)) func anUnwritableDirectoryIsRefusedWithAdvice() throws {
        let directory = TemporaryDirectory()
        defer {
            try? setMode(0o700, of: directory.path)
            directory.remove()
        }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        try setMode(0o500, of: directory.path)
        let error = try #require(throws: DeviceDirectoryError.self) {
            try SQLiteDeviceRegistry(dataDirectory: directory.path)
        }
        #expect(String(describing: error).contains("not writable"))
    }
}

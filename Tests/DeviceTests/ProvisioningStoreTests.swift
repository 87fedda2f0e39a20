import Testing
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartPlatform
import RampartProtocol

/// Flash pages in RAM whose writes can fail the way real flash does. A class inside, so
/// copies of the store (a device, a second device "after a reboot", the test) see one flash.
final class TestFlashPages {
    var pages: [[UInt8]]
    let pageByteCount: Int
    /// The next write stops after this many bytes, leaves garbage in the rest of the
    /// page and reports failure (a power loss mid-write). Once.
    var tearNextWriteAfter: Int? = nil
    /// The next write reports success but one bit of what it stored is flipped. Once.
    var flipBitInNextWrite: Int? = nil
    /// Every write fails (and leaves the page erased).
    var writesFail = false
    var writes = 0

    init(pageCount: Int = 4, pageByteCount: Int = 1024) {
        self.pageByteCount = pageByteCount
        pages = Array(repeating: Array(repeating: 0xFF, count: pageByteCount), count: pageCount)
    }

    var isErased: Bool { pages.allSatisfy { $0.allSatisfy { $0 == 0xFF } } }
}

struct TestFlash: FlashPageStore {
    let storage: TestFlashPages

    init(_ storage: TestFlashPages = TestFlashPages()) { self.storage = storage }

    var pageByteCount: Int { storage.pageByteCount }
    var pageCount: Int { storage.pages.count }

    mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool {
        guard page < pageCount, buffer.count <= pageByteCount else { return false }
        for i in 0..<buffer.count { buffer[i] = storage.pages[page][i] }
        return true
    }

    mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        guard page < pageCount, bytes.count <= pageByteCount else { return false }
        storage.writes += 1
        var content = [UInt8](repeating: 0xFF, count: pageByteCount)
        if storage.writesFail {
            storage.pages[page] = content
            return false
        }
        if let cut = storage.tearNextWriteAfter {
            storage.tearNextWriteAfter = nil
            for i in 0..<min(cut, bytes.count) { content[i] = bytes[i] }
            for i in min(cut, bytes.count)..<bytes.count { content[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
            storage.pages[page] = content
            return false
        }
        for i in 0..<bytes.count { content[i] = bytes[i] }
        if let bit = storage.flipBitInNextWrite {
            storage.flipBitInNextWrite = nil
            content[bit / 8] ^= 1 << UInt8(bit % 8)
        }
        storage.pages[page] = content
        return true
    }
}

/// Records for the store's tests: real credentials, so a loaded record parses as one.
struct TestRecords {
    let device: TestIdentity
    let gateway: TestIdentity

    init(suite: EDHOCCipherSuite = .suite2) throws {
        var crypto = try HostCrypto()
        device = try TestIdentity(suite: suite, kid: [0x2B], subject: "rampart-0102030405060708", crypto: &crypto)
        gateway = try TestIdentity(suite: suite, kid: [0x6A], subject: "gateway", crypto: &crypto)
    }

    func record(telemetryInterval: UInt32 = 10_000) throws -> ProvisioningRecord {
        try ProvisioningRecord(deviceID: DeviceIdentifier(repeating: 0x42), suite: device.credential.suite,
                               privateKey: device.privateKey, deviceCredential: device.credential,
                               gatewayCredential: gateway.credential,
                               policy: ProvisioningPolicy(telemetryIntervalMilliseconds: telemetryInterval))
    }
}

extension ProvisioningStore {
    /// Whether no slot holds a valid record.
    mutating func loadsNothing() -> Bool {
        guard let record = load() else { return true }
        record.destroy()
        return false
    }

    /// The loaded record's telemetry interval (which test record it is), then wiped.
    mutating func loadedInterval() -> UInt32? {
        guard let record = load() else { return nil }
        let interval = record.policy.telemetryIntervalMilliseconds
        record.destroy()
        return interval
    }
}

@Suite("Provisioning: record store")
struct ProvisioningStoreTests {
    @Test("an erased flash holds no record")
    func erasedLoadsNothing() {
        var store = ProvisioningStore(flash: TestFlash())
        #expect(store.loadsNothing() == true)
        #expect(store.currentSequence() == nil)
    }

    @Test("save then load gives the record back; saves alternate slots with rising sequences")
    func saveAndLoad() throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        var first = try records.record(telemetryInterval: 1111)
        try store.save(&first)
        #expect(first.sequence == 1)
        first.destroy()
        #expect(pages.pages[0][0..<4] == [0x52, 0x50, 0x52, 0x31])
        #expect(pages.pages[1].allSatisfy { $0 == 0xFF })

        guard let loaded = store.load() else { Issue.record("no record"); return }
        #expect(loaded.sequence == 1)
        #expect(TestProvisioning.array(loaded.deviceID) == [UInt8](repeating: 0x42, count: 8))
        #expect(loaded.suite == .suite2)
        #expect(loaded.keyID.array == [0x2B])
        #expect(loaded.deviceCredential.bytes.array == records.device.ccs)
        #expect(loaded.gatewayCredential.bytes.array == records.gateway.ccs)
        #expect(loaded.policy == ProvisioningPolicy(telemetryIntervalMilliseconds: 1111))
        // The private key came back: it pairs with CRED_I.
        let crypto = try HostCrypto()
        let key = try loaded.staticKey(crypto: crypto)
        key.destroy()
        loaded.destroy()

        var second = try records.record(telemetryInterval: 2222)
        try store.save(&second)
        second.destroy()
        #expect(pages.pages[1][0..<4] == [0x52, 0x50, 0x52, 0x31])
        #expect(store.currentSequence() == 2)
        #expect(store.loadedInterval() == 2222)
        // A third save overwrites the older slot (0), not the current one.
        var third = try records.record(telemetryInterval: 3333)
        try store.save(&third)
        third.destroy()
        #expect(store.currentSequence() == 3)
        #expect(store.loadedInterval() == 3333)
        #expect(ProvisioningStoreTests.sequence(in: pages.pages[0]) == 3)
        #expect(ProvisioningStoreTests.sequence(in: pages.pages[1]) == 2)
    }

    @Test("withNewestRecord lends the newest record in place, and nothing without one")
    func withNewestRecord() throws {
        let records = try TestRecords()
        var store = ProvisioningStore(flash: TestFlash())
        var calls = 0
        #expect(store.withNewestRecord { (_: inout ProvisioningRecord) in calls += 1 } == false)
        #expect(calls == 0)
        for interval: UInt32 in [1111, 2222] {
            var record = try records.record(telemetryInterval: interval)
            try store.save(&record)
            record.destroy()
        }
        var seen: (sequence: UInt32, interval: UInt32)? = nil
        let found = store.withNewestRecord { (record: inout ProvisioningRecord) in
            calls += 1
            seen = (record.sequence, record.policy.telemetryIntervalMilliseconds)
        }
        #expect(found)
        #expect(calls == 1)
        #expect(seen?.sequence == 2 && seen?.interval == 2222)
    }

    /// Cuts from nothing written to everything written (a write that completed but
    /// reported failure: the store erases the slot again, so the old record stays).
    @Test("a write torn halfway leaves the previous record in use", arguments: [0, 5, 10, 100, 200, 300, Int.max])
    func tornWrite(cut: Int) throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        var first = try records.record(telemetryInterval: 1111)
        try store.save(&first)
        first.destroy()

        pages.tearNextWriteAfter = cut
        var second = try records.record(telemetryInterval: 2222)
        #expect(throws: ProvisioningStoreError.writeFailed) { try store.save(&second) }
        #expect(store.currentSequence() == 1)
        #expect(store.loadedInterval() == 1111)
        // After a reboot too (a second store on the same flash).
        var rebooted = ProvisioningStore(flash: TestFlash(pages))
        #expect(rebooted.loadedInterval() == 1111)

        // The next save goes into the torn slot again, and wins.
        try store.save(&second)
        second.destroy()
        #expect(store.currentSequence() == 2)
        #expect(rebooted.loadedInterval() == 2222)
    }

    @Test("a torn first save leaves no record")
    func tornFirstWrite() throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        pages.tearNextWriteAfter = 150
        var record = try records.record()
        #expect(throws: ProvisioningStoreError.writeFailed) { try store.save(&record) }
        record.destroy()
        #expect(store.loadsNothing() == true)
    }

    @Test("a write that stored something else is caught by the read-back")
    func verifyCatchesCorruption() throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        var first = try records.record(telemetryInterval: 1111)
        try store.save(&first)
        first.destroy()
        pages.flipBitInNextWrite = 8 * 40 + 3
        var second = try records.record(telemetryInterval: 2222)
        #expect(throws: ProvisioningStoreError.verifyFailed) { try store.save(&second) }
        second.destroy()
        #expect(store.loadedInterval() == 1111)
    }

    @Test("a record with any flipped bit is rejected", arguments: [0, 31, 33, 47, 79, 80 + 8 * 100, 8 * 200 + 5])
    func flippedBit(bit: Int) throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        var first = try records.record(telemetryInterval: 1111)
        try store.save(&first)
        first.destroy()
        var second = try records.record(telemetryInterval: 2222)
        try store.save(&second)
        second.destroy()
        // Flip one bit of the newest slot (1): the older record (slot 0) takes over.
        pages.pages[1][bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(store.currentSequence() == 1)
        #expect(store.loadedInterval() == 1111)
        // The same in slot 0 too: nothing is left.
        pages.pages[0][bit / 8] ^= 1 << UInt8(bit % 8)
        #expect(store.loadsNothing() == true)
    }

    @Test("the sequence number wraps: 0 is newer than 0xFFFF_FFFF")
    func sequenceWrap() throws {
        let records = try TestRecords()
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        var first = try records.record(telemetryInterval: 1111)
        try store.save(&first)
        first.destroy()
        Self.setSequence(0xFFFF_FFFF, in: &pages.pages[0])
        #expect(store.currentSequence() == 0xFFFF_FFFF)
        #expect(store.loadedInterval() == 1111)

        var second = try records.record(telemetryInterval: 2222)
        try store.save(&second)
        #expect(second.sequence == 0)
        second.destroy()
        #expect(store.currentSequence() == 0)
        #expect(store.loadedInterval() == 2222)
        // And the next one after 0 goes back to slot 0 as 1.
        var third = try records.record(telemetryInterval: 3333)
        try store.save(&third)
        third.destroy()
        #expect(Self.sequence(in: pages.pages[0]) == 1)
        #expect(store.loadedInterval() == 3333)
    }

    @Test("erase (factory reset) clears both slots")
    func erase() throws {
        let records = try TestRecords(suite: .suite0)
        let pages = TestFlashPages()
        var store = ProvisioningStore(flash: TestFlash(pages))
        for interval: UInt32 in [1111, 2222] {
            var record = try records.record(telemetryInterval: interval)
            try store.save(&record)
            record.destroy()
        }
        try store.erase()
        #expect(pages.isErased)
        #expect(store.loadsNothing() == true)
        // A save after the reset starts again at 1.
        var record = try records.record()
        try store.save(&record)
        #expect(record.sequence == 1)
        record.destroy()
    }

    @Test("flash that is too small or refuses writes")
    func unusableFlash() throws {
        let records = try TestRecords()
        var small = ProvisioningStore(flash: TestFlash(TestFlashPages(pageCount: 2, pageByteCount: 256)))
        var record = try records.record()
        #expect(throws: ProvisioningStoreError.flashTooSmall) { try small.save(&record) }
        #expect(small.loadsNothing() == true)
        let pages = TestFlashPages()
        pages.writesFail = true
        var failing = ProvisioningStore(flash: TestFlash(pages))
        #expect(throws: ProvisioningStoreError.writeFailed) { try failing.save(&record) }
        #expect(throws: ProvisioningStoreError.eraseFailed) { try failing.erase() }
        record.destroy()
    }

    @Test("the firmware's RAM flash keeps records across copies (reboots)")
    func ramFlash() throws {
        let records = try TestRecords()
        var store = ProvisioningStore(flash: RAMFlashPageStore())
        var record = try records.record(telemetryInterval: 4444)
        try store.save(&record)
        record.destroy()
        var rebooted = ProvisioningStore(flash: store.flash)
        #expect(rebooted.loadedInterval() == 4444)
    }

    // MARK: Helpers

    static func sequence(in page: [UInt8]) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(page[4 + $1]) << (8 * $1) }
    }

    /// Rewrites a slot's sequence number and its CRC, as a save with that number would have.
    static func setSequence(_ sequence: UInt32, in page: inout [UInt8]) {
        for i in 0..<4 { page[4 + i] = UInt8(truncatingIfNeeded: sequence >> (8 * i)) }
        let length = Int(page[8]) | Int(page[9]) << 8
        let end = 10 + length
        let crc = CRC32.checksum(Array(page[0..<end]).span)
        for i in 0..<4 { page[end + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
    }
}

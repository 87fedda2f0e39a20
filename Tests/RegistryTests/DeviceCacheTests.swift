import RampartGateway
@testable import RampartRegistry
import Testing

/// The cache's ordering rule, step by step: the interleavings a concurrent test would only
/// hit by luck.
@Suite("Device cache")
struct DeviceCacheTests {
    @Test func aReadThatRacedAWriteDoesNotReplaceIt() throws {
        var cache = DeviceCache(capacity: 8)
        let active = try deviceRecord(kid: [0x01, 0x02])
        var quarantined = active
        quarantined.status = .quarantined

        // A lookup misses and reads the old row from SQLite; meanwhile a write commits.
        let (missed, generation) = cache.lookup(active.kid)
        #expect(missed == nil)
        cache.apply(kid: active.kid, record: quarantined)
        cache.fill(active, lookedUpIn: generation)
        #expect(cache.lookup(active.kid).record == quarantined)

        // Same race with a removal: the stale row must not come back.
        let (_, beforeRemoval) = cache.lookup(active.kid)
        cache.apply(kid: active.kid, record: nil)
        cache.fill(quarantined, lookedUpIn: beforeRemoval)
        #expect(cache.lookup(active.kid).record == nil)

        // Without a write in between, the read is kept.
        let (_, quiet) = cache.lookup(active.kid)
        cache.fill(active, lookedUpIn: quiet)
        #expect(cache.lookup(active.kid).record == active)
    }

    @Test func capacityBoundsTheCache() throws {
        var cache = DeviceCache(capacity: 3)
        for i in 0..<10 {
            let record = try deviceRecord(kid: [0x10, UInt8(i)])
            cache.apply(kid: record.kid, record: record)
            #expect(cache.lookup(record.kid).record == record)
        }
        #expect(cache.count == 3)
    }
}

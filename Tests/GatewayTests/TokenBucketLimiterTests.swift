@testable import RampartGateway
import Testing

@Suite("Per-source token buckets")
struct TokenBucketLimiterTests {
    static func source(_ i: Int) -> PeerAddress { .udp(host: "10.\(i >> 16 & 0xFF).\(i >> 8 & 0xFF).\(i & 0xFF)", port: 5683) }

    @Test("a source gets its burst, then its rate")
    func burstThenRate() {
        let limiter = TokenBucketLimiter(ratePerSecond: 2, burst: 3)
        let admitted = (0..<10).filter { _ in limiter.allow(Self.source(1), now: 0) }.count
        #expect(admitted == 3)
        #expect(limiter.allow(Self.source(1), now: 0.5), "one token back after 0.5 s at 2/s")
        #expect(!limiter.allow(Self.source(1), now: 0.5))
    }

    @Test("a flood of new sources cannot grow the table past its bound or starve newcomers for long")
    func spoofedSourceFlood() {
        let limiter = TokenBucketLimiter(ratePerSecond: 1, burst: 2, maxSources: 1_024, shardCount: 4, overflowSources: 1)
        for i in 0..<50_000 { _ = limiter.allow(Self.source(i), now: Double(i) * 0.00001) }
        #expect(limiter.trackedSources <= 1_024)
        // Once the flood's buckets have refilled, a full shard forgets them and each newcomer
        // gets its own bucket again (the shared overflow bucket alone would admit at most 2).
        let newcomers = (0..<4).filter { limiter.allow(Self.source(1_000_000 + $0), now: 2.0) }.count
        #expect(newcomers == 4)
    }

    @Test("prune forgets refilled buckets only")
    func prune() {
        let limiter = TokenBucketLimiter(ratePerSecond: 1, burst: 2)
        _ = limiter.allow(Self.source(1), now: 0)
        _ = limiter.allow(Self.source(2), now: 10)
        limiter.prune(now: 10.5)
        #expect(limiter.trackedSources == 1, "source 1 refilled long ago; source 2 has not")
    }
}

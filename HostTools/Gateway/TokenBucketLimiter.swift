import Synchronization

/// Per-source token buckets (sustained rate, burst), sharded to keep lock contention low.
/// Bounded: a full shard first forgets its refilled buckets (they carry no information);
/// only if it is still full do new sources share one overflow bucket (with the capacity of
/// `overflowSources` sources), so a spoofing flood can neither grow the table nor starve
/// every newcomer.
final class TokenBucketLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct ShardState {
        var buckets: [PeerAddress: Bucket] = [:]
        /// When a full shard last forgot its refilled buckets (at most every 100 ms, so a
        /// flood of new sources cannot make every datagram pay for a scan).
        var lastForget = -Double.infinity
    }

    private final class Shard: Sendable {
        let state = Mutex(ShardState())
    }

    private let shards: [Shard]
    private let rate: Double
    private let burst: Double
    private let maxSourcesPerShard: Int
    private let overflow = Mutex(Bucket(tokens: 0, updated: 0))
    private let overflowScale: Double

    init(ratePerSecond: Double, burst: Double, maxSources: Int = 1 << 18, shardCount: Int = 16,
         overflowSources: Int = 64) {
        self.rate = max(0, ratePerSecond)
        self.burst = max(1, burst)
        self.maxSourcesPerShard = max(1, maxSources / shardCount)
        self.shards = (0..<shardCount).map { _ in Shard() }
        self.overflowScale = Double(max(1, overflowSources))
        overflow.withLock { $0.tokens = max(1, burst) * Double(max(1, overflowSources)) }
    }

    /// Takes one token for `source`; false if its bucket is empty.
    func allow(_ source: PeerAddress, now: Double) -> Bool {
        let shard = shards[Int(UInt(bitPattern: source.hashValue) % UInt(shards.count))]
        let admitted: Bool? = shard.state.withLock { state in
            if var bucket = state.buckets[source] {
                let admitted = take(&bucket, now: now)
                state.buckets[source] = bucket
                return admitted
            }
            if state.buckets.count >= maxSourcesPerShard, now - state.lastForget >= 0.1 {
                state.lastForget = now
                forgetRefilled(&state.buckets, now: now)
            }
            guard state.buckets.count < maxSourcesPerShard else { return nil }
            var bucket = Bucket(tokens: burst, updated: now)
            let admitted = take(&bucket, now: now)
            state.buckets[source] = bucket
            return admitted
        }
        if let admitted { return admitted }
        return overflow.withLock { take(&$0, now: now, scale: overflowScale) }
    }

    private func take(_ bucket: inout Bucket, now: Double, scale: Double = 1) -> Bool {
        bucket.tokens = min(burst * scale, bucket.tokens + max(0, now - bucket.updated) * rate * scale)
        bucket.updated = now
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }

    /// Forgets sources whose buckets have refilled (they carry no information).
    func prune(now: Double) {
        for shard in shards {
            shard.state.withLock { forgetRefilled(&$0.buckets, now: now) }
        }
    }

    private func forgetRefilled(_ table: inout [PeerAddress: Bucket], now: Double) {
        table = table.filter { _, bucket in bucket.tokens + max(0, now - bucket.updated) * rate < burst }
    }

    var trackedSources: Int { shards.reduce(0) { $0 + $1.state.withLock { $0.buckets.count } } }
}

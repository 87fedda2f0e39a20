import Synchronization

/// Per-source token buckets (sustained rate, burst), sharded to keep lock contention low.
/// Bounded: past `maxSources` tracked sources, new sources share one overflow bucket, so a
/// spoofing flood cannot grow the table.
final class TokenBucketLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private final class Shard: Sendable {
        let buckets = Mutex<[PeerAddress: Bucket]>([:])
    }

    private let shards: [Shard]
    private let rate: Double
    private let burst: Double
    private let maxSourcesPerShard: Int
    private let overflow = Mutex(Bucket(tokens: 0, updated: 0))

    init(ratePerSecond: Double, burst: Double, maxSources: Int = 1 << 18, shardCount: Int = 16) {
        self.rate = max(0, ratePerSecond)
        self.burst = max(1, burst)
        self.maxSourcesPerShard = max(1, maxSources / shardCount)
        self.shards = (0..<shardCount).map { _ in Shard() }
        overflow.withLock { $0.tokens = max(1, burst) }
    }

    /// Takes one token for `source`; false if its bucket is empty.
    func allow(_ source: PeerAddress, now: Double) -> Bool {
        let shard = shards[Int(UInt(bitPattern: source.hashValue) % UInt(shards.count))]
        let admitted: Bool? = shard.buckets.withLock { table in
            if var bucket = table[source] {
                let admitted = take(&bucket, now: now)
                table[source] = bucket
                return admitted
            }
            guard table.count < maxSourcesPerShard else { return nil }
            var bucket = Bucket(tokens: burst, updated: now)
            let admitted = take(&bucket, now: now)
            table[source] = bucket
            return admitted
        }
        if let admitted { return admitted }
        return overflow.withLock { take(&$0, now: now) }
    }

    private func take(_ bucket: inout Bucket, now: Double) -> Bool {
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updated) * rate)
        bucket.updated = now
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }

    /// Forgets sources whose buckets have refilled (they carry no information).
    func prune(now: Double) {
        for shard in shards {
            shard.buckets.withLock { table in
                table = table.filter { _, bucket in
                    bucket.tokens + max(0, now - bucket.updated) * rate < burst
                }
            }
        }
    }

    var trackedSources: Int { shards.reduce(0) { $0 + $1.buckets.withLock { $0.count } } }
}

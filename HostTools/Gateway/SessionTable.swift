import Synchronization

/// The gateway's OSCORE sessions, keyed by Recipient ID (C_R) and indexed by device kid.
/// Sharded by Recipient ID so requests of different devices rarely share a lock; each
/// request's OSCORE work runs under its shard's lock (a few microseconds).
final class SessionTable: Sendable {
    private final class Shard: Sendable {
        let sessions = Mutex<[UInt32: Session]>([:])
    }

    static let shardCount = 64
    private let shards: [Shard] = (0..<SessionTable.shardCount).map { _ in Shard() }
    /// kid → Recipient ID of the device's current session.
    private let byKid = Mutex<[[UInt8]: UInt32]>([:])
    private let total = Atomic<Int>(0)
    /// Next shard `evictIdle` scans: eviction walks the table a slice per tick.
    private let evictionCursor = Atomic<Int>(0)

    private func shard(_ recipientID: UInt32) -> Shard {
        shards[Int(recipientID % UInt32(Self.shardCount))]
    }

    var count: Int { total.load(ordering: .relaxed) }

    func contains(_ recipientID: UInt32) -> Bool {
        shard(recipientID).sessions.withLock { $0[recipientID] != nil }
    }

    /// Runs `body` with the session for `recipientID` under its shard's lock.
    func withSession<Result>(_ recipientID: UInt32, _ body: (Session) -> Result) -> Result? {
        shard(recipientID).sessions.withLock { table in
            guard let session = table[recipientID] else { return nil }
            return body(session)
        }
    }

    /// Installs `session`; the device's previous session, if any, is dropped, and where and
    /// when it was last used is returned.
    @discardableResult
    func install(_ session: Session) -> (peer: PeerAddress, lastActivity: Double)? {
        let previous = byKid.withLock { index -> UInt32? in
            defer { index[session.kid] = session.recipientID }
            return index[session.kid]
        }
        shard(session.recipientID).sessions.withLock { $0[session.recipientID] = session }
        total.add(1, ordering: .relaxed)
        guard let previous, previous != session.recipientID, let removed = removeSession(previous) else { return nil }
        // Removed under its shard's lock: no request is using it any more.
        return (removed.peer, removed.lastActivity)
    }

    /// Drops the device's session; returns it (already removed) or nil if it had none.
    @discardableResult
    func drop(kid: [UInt8]) -> Session? {
        guard let recipientID = byKid.withLock({ $0.removeValue(forKey: kid) }) else { return nil }
        return removeSession(recipientID)
    }

    func recipientID(forKid kid: [UInt8]) -> UInt32? {
        byKid.withLock { $0[kid] }
    }

    private func removeSession(_ recipientID: UInt32) -> Session? {
        let removed = shard(recipientID).sessions.withLock { $0.removeValue(forKey: recipientID) }
        if removed != nil { total.subtract(1, ordering: .relaxed) }
        return removed
    }

    /// Evicts sessions idle since before `cutoff` in the next `slices` shards; returns
    /// the evicted sessions' kids.
    func evictIdle(before cutoff: Double, slices: Int) -> [[UInt8]] {
        var evicted: [[UInt8]] = []
        for _ in 0..<min(slices, Self.shardCount) {
            let index = evictionCursor.wrappingAdd(1, ordering: .relaxed).oldValue % Self.shardCount
            let stale: [Session] = shards[index].sessions.withLock { table in
                let stale = table.values.filter { $0.lastActivity < cutoff }
                for session in stale { table.removeValue(forKey: session.recipientID) }
                return stale
            }
            guard !stale.isEmpty else { continue }
            total.subtract(stale.count, ordering: .relaxed)
            byKid.withLock { index in
                for session in stale where index[session.kid] == session.recipientID {
                    index.removeValue(forKey: session.kid)
                }
            }
            evicted += stale.map(\.kid)
        }
        return evicted
    }

    /// Evicts the least recently active session among the first few non-empty shards from
    /// the cursor (the table is full): an approximation of LRU that costs a few shard scans.
    func evictOne() -> [UInt8]? {
        let start = evictionCursor.wrappingAdd(1, ordering: .relaxed).oldValue
        var oldest: Session? = nil
        var sampled = 0
        for offset in 0..<Self.shardCount where sampled < 4 {
            let candidate = shards[(start + offset) % Self.shardCount].sessions.withLock { table in
                table.values.min { $0.lastActivity < $1.lastActivity }
            }
            guard let candidate else { continue }
            sampled += 1
            if candidate.lastActivity < (oldest?.lastActivity ?? .infinity) { oldest = candidate }
        }
        guard let oldest else { return nil }
        byKid.withLock { index in
            if index[oldest.kid] == oldest.recipientID { index.removeValue(forKey: oldest.kid) }
        }
        return removeSession(oldest.recipientID) != nil ? oldest.kid : nil
    }
}

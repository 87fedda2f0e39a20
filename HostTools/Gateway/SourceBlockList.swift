import Synchronization

/// Sources the detector has shut out for a while (a handshake flood, replayed messages): their
/// datagrams are dropped before any parsing. Every block expires — a UDP source address can be
/// spoofed, so a permanent block would let an attacker lock a real device out — and the table
/// is bounded: when full, the block that expires first gives way.
final class SourceBlockList: Sendable {
    /// Most sources blocked at once.
    static let capacity = 65_536

    private let blocked = Mutex<[PeerAddress: Double]>([:])
    /// Lets the hot path skip the lock while nothing is blocked (the usual case).
    private let count = Atomic<Int>(0)

    /// Blocks `source` until `until` (engine-clock seconds); a later expiry extends a block,
    /// an earlier one never shortens it. Returns whether the block is new or extended.
    func block(_ source: PeerAddress, until: Double) -> Bool {
        blocked.withLock { table in
            if let current = table[source], current >= until { return false }
            if table[source] == nil, table.count >= Self.capacity,
               let soonest = table.min(by: { $0.value < $1.value })?.key {
                table[soonest] = nil
            }
            table[source] = until
            count.store(table.count, ordering: .relaxed)
            return true
        }
    }

    func isBlocked(_ source: PeerAddress, now: Double) -> Bool {
        guard count.load(ordering: .relaxed) > 0 else { return false }
        return blocked.withLock { table in
            guard let until = table[source] else { return false }
            if until > now { return true }
            table[source] = nil
            count.store(table.count, ordering: .relaxed)
            return false
        }
    }

    /// Forgets expired blocks (the engine's tick).
    func prune(now: Double) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        blocked.withLock { table in
            table = table.filter { $0.value > now }
            count.store(table.count, ordering: .relaxed)
        }
    }
}

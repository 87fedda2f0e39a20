import Synchronization

/// Idle keep-alive connections per member, so a request does not pay a TCP handshake.
/// A connection is in the pool only while no request uses it.
final class ConnectionPool: Sendable {
    /// Idle connections kept per member; more are closed when returned. A gateway issues a few
    /// concurrent requests at most (ledger appends are serialised).
    static let maxIdlePerEndpoint = 8

    private struct State {
        var idle: [EtcdEndpoint: [HTTPConnection]] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// An idle connection to `endpoint` that still looks open, if any.
    func take(_ endpoint: EtcdEndpoint) -> HTTPConnection? {
        while let connection = state.withLock({ $0.idle[endpoint]?.popLast() }) {
            if connection.isActive { return connection }
            connection.close()
        }
        return nil
    }

    func giveBack(_ connection: HTTPConnection) {
        let kept = state.withLock { state in
            guard !state.closed, connection.isActive,
                  state.idle[connection.endpoint, default: []].count < Self.maxIdlePerEndpoint else { return false }
            state.idle[connection.endpoint, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    /// Closes every idle connection to `endpoint` (after one failed: the others likely are dead too).
    func drop(_ endpoint: EtcdEndpoint) {
        let dropped = state.withLock { $0.idle.removeValue(forKey: endpoint) ?? [] }
        dropped.forEach { $0.close() }
    }

    /// Closes every idle connection and refuses new ones.
    func closeAll() {
        let all = state.withLock { state in
            state.closed = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        all.forEach { $0.close() }
    }
}

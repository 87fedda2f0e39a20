import RampartGateway
import RampartRegistry
import Synchronization

/// The gateway's registry in cluster mode: the local SQLite registry (answers every lookup, so
/// devices keep being served with the last known registry while etcd has no quorum) plus an
/// outbox of changes for `ClusterRegistrySync` to publish. A status change the engine makes
/// (quarantine, release, revocation) and a device this gateway registers go to etcd; changes
/// that came *from* etcd are not sent back.
public final class ClusterDeviceDirectory: DeviceRegistrar {
    public let local: SQLiteDeviceRegistry
    private let state = Mutex(State())

    struct State {
        /// Changes not yet in etcd, oldest first.
        var outbox: [ClusterPublication] = []
        /// The status etcd holds for each kid, as last seen or sent.
        var clusterStatus: [[UInt8]: DeviceStatus] = [:]
        /// Kids whose registration etcd holds.
        var published: Set<[UInt8]> = []
    }

    public init(local: SQLiteDeviceRegistry) {
        self.local = local
    }

    public func device(kid: [UInt8]) throws -> DeviceRecord? {
        guard let record = try local.device(kid: kid) else { return nil }
        // Registered here by a tool (`rampart provision`, `rampart devices add`) while the
        // gateway ran: share it on its first handshake.
        state.withLock { state in
            if !state.published.contains(kid) {
                state.published.insert(kid)
                state.outbox.append(.device(record))
            }
        }
        return record
    }

    public func setStatus(_ status: DeviceStatus, kid: [UInt8], reason: String) throws -> Bool {
        let changed = try local.setStatus(status, kid: kid, reason: reason)
        state.withLock { state in
            if state.clusterStatus[kid] != status {
                state.clusterStatus[kid] = status
                state.outbox.append(.status(kid: kid, status: status, reason: reason))
            }
        }
        return changed
    }

    public func add(_ device: DeviceRecord) throws {
        try local.add(device)
        state.withLock { state in
            state.published.insert(device.kid)
            state.outbox.append(.device(device))
        }
    }

    // MARK: For ClusterRegistrySync

    func takeOutbox() -> [ClusterPublication] {
        state.withLock { state in
            defer { state.outbox.removeAll() }
            return state.outbox
        }
    }

    func putBack(_ publications: [ClusterPublication]) {
        state.withLock { $0.outbox.insert(contentsOf: publications, at: 0) }
    }

    var outboxCount: Int { state.withLock { $0.outbox.count } }

    /// Records what etcd holds, so that applying it does not publish it again.
    func noteCluster(status: DeviceStatus, kid: [UInt8]) {
        state.withLock { $0.clusterStatus[kid] = status }
    }

    func notePublished(kid: [UInt8]) {
        _ = state.withLock { $0.published.insert(kid) }
    }
}

/// A change on its way to etcd.
enum ClusterPublication: Sendable {
    case device(DeviceRecord)
    case status(kid: [UInt8], status: DeviceStatus, reason: String)
}

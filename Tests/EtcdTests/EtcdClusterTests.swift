import EtcdTestSupport
import Foundation
import RampartEtcd
import Testing

/// The tests that run real etcd clusters. One at a time: each starts its own cluster, and the
/// failover tests time elections, which parallel clusters on a small CI machine would disturb.
/// The time limit only turns a hang (a lost watch event, say) into a failure.
@Suite("etcd against real clusters", .serialized, .timeLimit(.minutes(1)),
       .enabled(if: EtcdTestCluster.isAvailable, "etcd is not installed: apt-get install etcd-server (CI installs it)"))
struct EtcdClusterTests {}

/// Starts a cluster and a client over all its members (in `order`, when given), runs `body`,
/// and tears both down whatever happens.
@discardableResult
func withCluster<T>(members: Int = 1, requestTimeout: Duration = .seconds(1),
                    order: ((EtcdTestCluster) async throws -> [Int])? = nil,
                    _ body: (EtcdTestCluster, EtcdClient) async throws -> T) async throws -> T {
    let cluster = try await EtcdTestCluster.start(members: members)
    defer { cluster.stop() }
    var endpoints = cluster.clientEndpoints
    if let order { endpoints = try await order(cluster).map { endpoints[$0] } }
    let client = try EtcdClient(endpoints: endpoints, requestTimeout: requestTimeout)
    do {
        let result = try await body(cluster, client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

struct HangGuardExpired: Error, CustomStringConvertible {
    let what: String
    var description: String { "gave up waiting for \(what) (a hang guard, not a performance bound)" }
}

/// Reads `count` events from `stream`, or fails after `limit` — only so that a lost event fails
/// the test instead of hanging it.
func collect(_ count: Int, from stream: AsyncThrowingStream<EtcdWatchEvent, any Error>,
             limit: Duration = .seconds(20)) async throws -> [EtcdWatchEvent] {
    try await withThrowingTaskGroup(of: [EtcdWatchEvent]?.self) { group in
        group.addTask {
            var events: [EtcdWatchEvent] = []
            for try await event in stream {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let events = try await group.next() ?? nil else { throw HangGuardExpired(what: "\(count) watch events") }
        return events
    }
}

extension [UInt8] {
    /// Every byte value once, so a lost or re-encoded byte shows.
    static let allBytes: [UInt8] = (0...255).map { UInt8($0) }
}

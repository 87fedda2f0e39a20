import EtcdTestSupport
import Foundation
import RampartEtcd
import Testing

extension EtcdClusterTests {
    @Suite("Failover")
    struct Failover {
        @Test("killing the leader during 100 writes: each write succeeds or throws, every acknowledged one is readable, writes go on")
        func leaderKilledDuringWrites() async throws {
            // The client starts on the leader, so the kill takes away the member it talks to.
            try await withCluster(members: 3, order: { cluster in
                let leader = try await cluster.leaderIndex()
                return [leader] + (0..<3).filter { $0 != leader }
            }) { cluster, client in
                let killed = try #require(cluster.clientEndpoints.firstIndex(of: client.endpoints[0]))
                var acknowledged: [Int: Int64] = [:]
                var refused: [String] = []
                for i in 0..<100 {
                    if i == 30 { cluster.kill(member: killed) }
                    do {
                        acknowledged[i] = try await client.put("seq/\(i)", value: Array("value \(i)".utf8))
                    } catch let error as EtcdError {
                        guard case .unavailable = error else { throw error }
                        refused.append("\(i): \(error)")
                    }
                }
                // Elections take about a second; a put is retried for three.
                #expect(refused.isEmpty, "\(refused)")
                #expect(acknowledged[99] != nil)
                for (i, revision) in acknowledged {
                    let kv = try #require(try await client.get("seq/\(i)"), "acknowledged write \(i) is lost")
                    #expect(kv.value == Array("value \(i)".utf8))
                    #expect(kv.modRevision == revision)
                }
                let leader = try #require(try await client.leaderEndpoint())
                #expect(leader != cluster.clientEndpoints[killed])
                try await client.put("after", value: [1])
            }
        }

        @Test("with 2 of 3 members down, writes and linearizable reads fail with .unavailable; after restarting them writes succeed")
        func quorumLoss() async throws {
            try await withCluster(members: 3, requestTimeout: .milliseconds(500)) { cluster, client in
                try await client.put("q/before", value: [1])
                cluster.kill(member: 1)
                cluster.kill(member: 2)
                // Not a performance bound but liveness: a call must give up at its own deadline
                // instead of waiting for etcd's (5 s and more) or forever. Slack for a busy machine.
                let bound = client.callTimeout + .seconds(2)

                let write = try await failsUnavailable { try await client.put("q/during", value: [2]) }
                #expect(write < bound)
                let read = try await failsUnavailable { _ = try await client.get("q/before") }
                #expect(read < bound)
                let txn = try await failsUnavailable {
                    _ = try await client.txn(compare: [.createRevision(key: "q/txn", equals: 0)],
                                             success: [.put(key: "q/txn", value: [3])])
                }
                #expect(txn < bound)
                #expect(await client.isHealthy() == false)

                try await cluster.restart(member: 1)
                try await cluster.restart(member: 2)
                // The restarted members hold an election first; the guard only stops a hang.
                let deadline = ContinuousClock.now + .seconds(15)
                var written: Int64?
                while written == nil, ContinuousClock.now < deadline {
                    written = try? await client.put("q/after", value: [4])
                }
                #expect(written != nil, "no write succeeded after the restart: \(cluster.logs())")
                #expect(try await client.get("q/before")?.value == [1])
                #expect(try await client.get("q/after")?.value == [4])
            }
        }

        @Test("a watch survives the kill of its member: no event lost or repeated")
        func watchSurvivesMemberKill() async throws {
            try await withCluster(members: 3) { cluster, writer in
                // A watcher whose first endpoint is member 0: its stream starts there.
                let watcher = try EtcdClient(endpoints: cluster.clientEndpoints, requestTimeout: .seconds(1))
                let start = try await writer.put("s-start", value: []) + 1
                var events = watcher.watch(prefix: "s/", startRevision: start).makeAsyncIterator()
                var seen: [EtcdWatchEvent] = []
                var revisions: [Int64] = []
                let key = { (i: Int) in String(format: "s/%02d", i) }
                for i in 0..<20 {
                    revisions.append(try await createExactlyOnce(writer, key: key(i), value: [UInt8(i)]))
                }
                // The stream is live on member 0 and has delivered part of the history…
                while seen.count < 20, let event = try await events.next() { seen.append(event) }
                cluster.kill(member: 0)
                // …then resumes elsewhere, from the next revision.
                for i in 20..<60 {
                    revisions.append(try await createExactlyOnce(writer, key: key(i), value: [UInt8(i)]))
                }
                while seen.count < 60, let event = try await events.next() { seen.append(event) }
                await watcher.shutdown()
                #expect(seen.map(\.key) == (0..<60).map(key))
                #expect(seen.map(\.modRevision) == revisions)
                #expect(seen.allSatisfy { if case .put = $0 { true } else { false } })
                // Nothing more arrives (no late duplicate) before the stream ends at shutdown.
                #expect(try await events.next() == nil)
            }
        }
    }
}

/// Runs `body`, expects `EtcdError.unavailable`, and returns how long the failure took.
func failsUnavailable(_ body: () async throws -> Void) async throws -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    do {
        try await body()
        Issue.record("expected .unavailable, but the call succeeded")
    } catch let error as EtcdError {
        guard case .unavailable = error else {
            Issue.record("expected .unavailable, got \(error)")
            return clock.now - start
        }
    }
    return clock.now - start
}

/// Creates `key` with a create-if-absent transaction, the way the ledger appends: when the
/// outcome is unknown it re-reads, and only re-sends when the key is still absent. Returns the
/// key's create revision.
func createExactlyOnce(_ client: EtcdClient, key: String, value: [UInt8]) async throws -> Int64 {
    var lastError: (any Error)?
    for _ in 0..<5 {
        do {
            let result = try await client.txn(compare: [.createRevision(key: key, equals: 0)],
                                              success: [.put(key: key, value: value)], failure: [.range(key: key)])
            return result.succeeded ? result.revision : try #require(result.ranges.first?.first).createRevision
        } catch let error as EtcdError {
            guard case .unavailable = error else { throw error }
            lastError = error
            if let existing = try? await client.get(key) { return existing.createRevision }
        }
    }
    throw lastError!
}

import EtcdTestSupport
import Foundation
import RampartEtcd
import Testing

extension EtcdClusterTests {
    @Suite("KV and transactions")
    struct KV {
        @Test("put, get, range and delete round-trip binary values")
        func roundTrips() async throws {
            try await withCluster { _, client in
                let first = try await client.put("kv/a", value: .allBytes)
                let a = try #require(try await client.get("kv/a"))
                #expect(a == EtcdKeyValue(key: "kv/a", value: .allBytes, createRevision: first, modRevision: first, version: 1))

                let second = try await client.put("kv/a", value: [0, 0, 0])
                #expect(second > first)
                let updated = try #require(try await client.get("kv/a"))
                #expect(updated.value == [0, 0, 0])
                #expect(updated.createRevision == first)
                #expect(updated.modRevision == second)
                #expect(updated.version == 2)

                try await client.put("kv/b", value: [0xff])
                try await client.put("kv/c", value: [1])
                try await client.put("kw/outside", value: [2])

                let all = try await client.range(prefix: "kv/")
                #expect(all.kvs.map(\.key) == ["kv/a", "kv/b", "kv/c"])
                #expect(all.count == 3)
                #expect(!all.more)
                #expect(all.revision >= all.kvs.map(\.modRevision).max()!)

                // Paging: limit, then on from the last key + "\0".
                let page = try await client.range(prefix: "kv/", limit: 2)
                #expect(page.kvs.map(\.key) == ["kv/a", "kv/b"])
                #expect(page.more)
                #expect(page.count == 3)
                let rest = try await client.range(prefix: "kv/", fromKey: "kv/b\0")
                #expect(rest.kvs.map(\.key) == ["kv/c"])

                // The store as it was at the first put.
                let past = try await client.range(prefix: "kv/", revision: first)
                #expect(past.kvs.map(\.value) == [.allBytes])

                try await client.delete("kv/a")
                #expect(try await client.get("kv/a") == nil)
                #expect(try await client.range(prefix: "kv/").kvs.map(\.key) == ["kv/b", "kv/c"])
                #expect(try await client.delete(prefix: "kv/") == 2)
                #expect(try await client.get("kw/outside")?.value == [2])
            }
        }

        @Test("missing keys and fields etcd leaves out when they hold their default")
        func defaultsLeftOut() async throws {
            try await withCluster { _, client in
                // No `kvs`, no `count` on the wire.
                #expect(try await client.get("missing") == nil)
                let empty = try await client.range(prefix: "nothing/")
                #expect(empty.kvs.isEmpty)
                #expect(empty.count == 0)
                #expect(!empty.more)
                #expect(empty.revision >= 1)
                // Deleting what is not there is no error.
                try await client.delete("missing")
                #expect(try await client.delete(prefix: "nothing/") == 0)
                // An empty value has no `value` field.
                let revision = try await client.put("empty", value: [])
                #expect(try await client.get("empty") == EtcdKeyValue(key: "empty", value: [], createRevision: revision,
                                                                      modRevision: revision, version: 1))
                // The empty prefix is every key.
                #expect(try await client.range(prefix: "").kvs.map(\.key) == ["empty"])
            }
        }

        @Test("create-if-absent succeeds once; the second attempt fails and returns the existing value")
        func createIfAbsent() async throws {
            try await withCluster { _, client in
                let claim = { (value: [UInt8]) in
                    try await client.txn(compare: [.createRevision(key: "lock", equals: 0)],
                                         success: [.put(key: "lock", value: value)],
                                         failure: [.range(key: "lock")])
                }
                let won = try await claim([1, 2, 3])
                #expect(won.succeeded)
                #expect(won.ranges.isEmpty)

                let lost = try await claim([9])
                #expect(!lost.succeeded)
                #expect(lost.revision == won.revision)
                let existing = try #require(lost.ranges.first?.first)
                #expect(existing.value == [1, 2, 3])
                #expect(existing.modRevision == won.revision)
                #expect(try await client.get("lock")?.value == [1, 2, 3])
            }
        }

        @Test("transactions compare mod revision, value and version; ranges come back in order")
        func compares() async throws {
            try await withCluster { _, client in
                let revision = try await client.put("ledger/head", value: [7])
                try await client.put("ledger/entries/1", value: [1])
                try await client.put("ledger/entries/2", value: [2])

                // An append conditioned on the head not having moved (the ledger's pattern).
                let append = try await client.txn(
                    compare: [.modRevision(key: "ledger/head", equals: revision), .value(key: "ledger/head", equals: [7]),
                              .version(key: "ledger/head", equals: 1)],
                    success: [.put(key: "ledger/entries/3", value: [3]), .put(key: "ledger/head", value: [8]),
                              .rangePrefix("ledger/entries/"), .range(key: "ledger/head")])
                #expect(append.succeeded)
                #expect(append.ranges.count == 2)
                #expect(append.ranges.first?.map(\.value) == [[1], [2], [3]])
                #expect(append.ranges.last?.first?.value == [8])
                #expect(append.ranges.last?.first?.modRevision == append.revision)

                // The same condition again is stale now.
                let stale = try await client.txn(compare: [.modRevision(key: "ledger/head", equals: revision)],
                                                 success: [.put(key: "ledger/head", value: [9])],
                                                 failure: [.range(key: "ledger/head"), .delete(key: "ledger/entries/1")])
                #expect(!stale.succeeded)
                #expect(stale.ranges.map { $0.map(\.value) } == [[[8]]])
                #expect(try await client.get("ledger/entries/1") == nil)
                #expect(try await client.get("ledger/head")?.value == [8])
            }
        }

        @Test("a read of a compacted revision throws .compacted")
        func compactedRead() async throws {
            try await withCluster { _, client in
                let old = try await client.put("c", value: [1])
                let now = try await client.put("c", value: [2])
                try await client.compact(revision: now)
                await #expect {
                    _ = try await client.range(prefix: "c", revision: old)
                } throws: { error in
                    if case EtcdError.compacted(revision: old)? = error as? EtcdError { return true }
                    return false
                }
            }
        }

        @Test("etcd's own refusals are .server errors with its message")
        func serverError() async throws {
            try await withCluster { _, client in
                // The same key twice in one transaction is refused before anything is applied.
                await #expect {
                    _ = try await client.txn(compare: [], success: [.put(key: "d", value: [1]), .put(key: "d", value: [2])])
                } throws: { error in
                    guard case .server(_, let message)? = error as? EtcdError else { return false }
                    return message.contains("duplicate key")
                }
            }
        }

        @Test("status and leader")
        func status() async throws {
            try await withCluster(members: 3) { cluster, client in
                let leader = try await cluster.leaderIndex()
                #expect(try await client.leaderEndpoint() == cluster.clientEndpoints[leader])
                let statuses = try await client.memberStatuses().map { try $0.status.get() }
                #expect(Set(statuses.map(\.memberID)).count == 3)
                #expect(Set(statuses.compactMap(\.leaderID)).count == 1)
                #expect(await client.isHealthy())
            }
        }
    }
}

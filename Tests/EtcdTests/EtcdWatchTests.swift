import EtcdTestSupport
import Foundation
import RampartEtcd
import Testing

extension EtcdClusterTests {
    @Suite("Watch")
    struct Watch {
        @Test("a watch sees puts and deletes in order, only under its prefix")
        func putsAndDeletes() async throws {
            try await withCluster { _, client in
                let start = try await client.put("other", value: [0]) + 1
                let events = Task { try await collect(4, from: client.watch(prefix: "w/", startRevision: start)) }
                let a = try await client.put("w/a", value: [1])
                try await client.put("outside", value: [1])
                let b = try await client.put("w/b", value: .allBytes)
                try await client.delete("w/a")
                let a2 = try await client.put("w/a", value: [])
                let seen = try await events.value
                #expect(seen.map(\.key) == ["w/a", "w/b", "w/a", "w/a"])
                #expect(seen[0] == .put(EtcdKeyValue(key: "w/a", value: [1], createRevision: a, modRevision: a, version: 1)))
                #expect(seen[1] == .put(EtcdKeyValue(key: "w/b", value: .allBytes, createRevision: b, modRevision: b, version: 1)))
                #expect(seen[2] == .delete(key: "w/a", modRevision: b + 1))
                #expect(seen[3] == .put(EtcdKeyValue(key: "w/a", value: [], createRevision: a2, modRevision: a2, version: 1)))
            }
        }

        @Test("a watch from an earlier revision replays history, then continues live")
        func replay() async throws {
            try await withCluster { _, client in
                var revisions: [Int64] = []
                for i in 0..<5 { revisions.append(try await client.put("h/\(i)", value: [UInt8(i)])) }
                // From the third put on: three past events, then two live ones.
                let from = revisions[2]
                let events = Task { try await collect(5, from: client.watch(prefix: "h/", startRevision: from)) }
                try await client.delete("h/0")
                let last = try await client.put("h/5", value: [5])
                let seen = try await events.value
                #expect(seen.map(\.key) == ["h/2", "h/3", "h/4", "h/0", "h/5"])
                #expect(seen.map(\.modRevision) == Array(revisions[2...]) + [last - 1, last])
            }
        }

        @Test("a watch from 0 starts now and sees only later changes")
        func fromNow() async throws {
            try await withCluster { _, client in
                let old = try await client.put("n/old", value: [0])
                let stream = client.watch(prefix: "n/", startRevision: 0)
                // When the watch is established is not observable: write until it reports.
                let writer = Task {
                    while !Task.isCancelled {
                        try await client.put("n/new", value: [1])
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                defer { writer.cancel() }
                let seen = try await collect(1, from: stream)
                #expect(seen.first?.key == "n/new")
                #expect(seen.first!.modRevision > old)
            }
        }

        @Test("a watch from a compacted revision ends with .compacted")
        func compacted() async throws {
            try await withCluster { _, client in
                let old = try await client.put("k/x", value: [1])
                let now = try await client.put("k/x", value: [2])
                try await client.compact(revision: now)
                await #expect {
                    _ = try await collect(1, from: client.watch(prefix: "k/", startRevision: old))
                } throws: { error in
                    if case EtcdError.compacted(revision: now)? = error as? EtcdError { return true }
                    return false
                }
            }
        }
    }
}


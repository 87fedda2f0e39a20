import Foundation
import GRDB
import GRDBSQLite
import RampartLedger
import Testing

/// The batching writer: concurrent appends, block limits, acknowledgement only after commit,
/// and nothing acknowledged lost when the process stops without closing.
@Suite("Ledger: batching writer")
struct LedgerWriterTests {
    let signer = LedgerFixtures.signer(0x11)

    @Test("concurrent appends get distinct indices, are all stored, and blocks respect maxBlockEntries")
    func concurrentAppends() async throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let tasks = 40, perTask = 25, maxBlockEntries = 16
        var receipts: [(number: Int, receipt: EntryReceipt)] = []
        do {
            let writer = LedgerWriter(store: try LedgerStore(path: path), signer: signer, maxBlockEntries: maxBlockEntries,
                                      maxBlockDelay: .milliseconds(2), address: "10.0.0.1:5683")
            receipts = try await withThrowingTaskGroup(of: [(Int, EntryReceipt)].self) { group in
                for task in 0 ..< tasks {
                    group.addTask {
                        var mine: [(Int, EntryReceipt)] = []
                        for step in 0 ..< perTask {
                            let number = task * perTask + step
                            mine.append((number, try await writer.append(LedgerFixtures.session(number))))
                        }
                        return mine
                    }
                }
                var all: [(Int, EntryReceipt)] = []
                for try await mine in group { all += mine }
                return all
            }
            try await writer.close()
            await #expect(throws: LedgerWriterError.closed) { try await writer.append(LedgerFixtures.session(0)) }
        }
        let total = tasks * perTask
        #expect(receipts.count == total)
        #expect(Set(receipts.map(\.receipt.index)).count == total)
        #expect(receipts.allSatisfy { $0.receipt.index >= 1 && $0.receipt.index <= UInt64(total) })

        let store = try LedgerStore(path: path)
        #expect(store.treeSize == UInt64(total + 1))
        let entry0 = try #require(try store.entry(at: 0))
        #expect(entry0.type == .membership && entry0.body["address"] == .text("10.0.0.1:5683"))
        for (number, receipt) in receipts {
            let stored = try #require(try store.entry(at: receipt.index))
            #expect(PendingEntry(type: stored.type, time: stored.time, body: stored.body) == LedgerFixtures.session(number))
            #expect(try store.block(receipt.block)?.entries.contains(stored) == true)
        }
        var number: UInt64 = 0
        while let block = try store.block(number) {
            #expect(block.entries.count <= maxBlockEntries)
            number += 1
        }
        #expect(number == store.blockCount && number >= UInt64(total / maxBlockEntries))
        #expect(LedgerVerifier(store: store).verify().isValid)
    }

    @Test("entries of one call stay consecutive and in order, across blocks")
    func batchesStayInOrder() async throws {
        let directory = LedgerTemporaryDirectory()
        let writer = LedgerWriter(store: try LedgerStore(path: directory.file()), signer: signer, maxBlockEntries: 8)
        let entries = LedgerFixtures.entries(30)
        let receipts = try await writer.append(contentsOf: entries)
        #expect(receipts.map(\.index) == Array(1 ... 30))
        #expect(Set(receipts.map(\.block)).count >= 4)
        let stored = try writer.store.entries(from: 1, limit: 30)
        #expect(stored.map { PendingEntry(type: $0.type, time: $0.time, body: $0.body) } == entries)
        #expect(try await writer.append(contentsOf: []) == [])
        try await writer.close()
    }

    @Test("an invalid entry is refused on its own; the others are written")
    func invalidEntry() async throws {
        let directory = LedgerTemporaryDirectory()
        let writer = LedgerWriter(store: try LedgerStore(path: directory.file()), signer: signer,
                                  maxBlockDelay: .milliseconds(5))
        let bad = PendingEntry(type: .policyChange, time: 1, body: .textMap([("subject", .text("x"))]))
        async let good = writer.append(LedgerFixtures.session(1))
        await #expect(throws: LedgerStoreError.self) { try await writer.append(bad) }
        #expect(try await good.index == 1)
        try await writer.flush()
        #expect(writer.store.treeSize == 2)
    }

    @Test("flush seals at once instead of waiting for maxBlockDelay")
    func flush() async throws {
        let directory = LedgerTemporaryDirectory()
        let writer = LedgerWriter(store: try LedgerStore(path: directory.file()), signer: signer,
                                  maxBlockDelay: .seconds(3600))
        let pending = Task { try await writer.append(LedgerFixtures.session(1)) }
        while writer.store.treeSize == 0 {
            try await writer.flush()
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(try await pending.value.index == 1)
    }

    @Test("a writer dropped mid-stream without close loses nothing acknowledged")
    func crashMidStream() async throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        var acknowledged: [UInt64: Int] = [:]
        do {
            let writer = LedgerWriter(store: try LedgerStore(path: path), signer: signer, maxBlockEntries: 32,
                                      maxBlockDelay: .milliseconds(1))
            for round in 0 ..< 6 {
                let receipts = try await writer.append(contentsOf: LedgerFixtures.entries(20, from: round * 20))
                for (offset, receipt) in receipts.enumerated() { acknowledged[receipt.index] = round * 20 + offset }
            }
            // More appends in flight, never awaited; the writer and store are then dropped.
            for number in 200 ..< 260 { Task { _ = try? await writer.append(LedgerFixtures.session(number)) } }
        }
        let store = try LedgerStore(path: path)
        #expect(store.damage == nil)
        #expect(store.treeSize >= 121)
        for (index, number) in acknowledged {
            let entry = try #require(try store.entry(at: index))
            #expect(PendingEntry(type: entry.type, time: entry.time, body: entry.body) == LedgerFixtures.entries(1, from: number)[0])
        }
        // Let the stray appends finish before verifying a settled log.
        try await Task.sleep(for: .milliseconds(200))
        #expect(LedgerVerifier(store: try LedgerStore(path: path)).verify().isValid)
    }

    @Test("a block whose transaction never committed leaves no trace")
    func tornTransaction() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        _ = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: [5, 5])
        // A writer that dies inside its transaction: rows inserted, no COMMIT, connection gone
        // (plain SQLite: GRDB would not let a transaction stay open).
        var connection: OpaquePointer? = nil
        #expect(sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(connection, """
            BEGIN IMMEDIATE;
            INSERT INTO block (number, first_index, tree_size, head) VALUES (2, 10, 11, x'00');
            INSERT INTO entry (idx, block, bytes) VALUES (10, 2, x'00');
            INSERT INTO node (level, idx, hash) VALUES (0, 10, x'00');
            """, nil, nil, nil) == SQLITE_OK)
        #expect(sqlite3_close_v2(connection) == SQLITE_OK)
        let store = try LedgerStore(path: path)
        #expect(store.treeSize == 10 && store.blockCount == 2 && store.damage == nil)
        #expect(LedgerVerifier(store: store).verify().isValid)
        try store.append(try store.makeBlock(LedgerFixtures.entries(3), signer: signer, time: 1))
        #expect(store.treeSize == 13)
    }

    @Test("two stores on one file (gateway and CLI) interleave blocks without collisions")
    func twoProcesses() async throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let cli = LedgerFixtures.signer(0x22)
        let gatewayWriter = LedgerWriter(store: try LedgerStore(path: path), signer: signer, maxBlockEntries: 4,
                                         maxBlockDelay: .zero, address: "gateway")
        let cliWriter = LedgerWriter(store: try LedgerStore(path: path), signer: cli, maxBlockEntries: 4,
                                     maxBlockDelay: .zero, address: "cli")
        async let fromGateway = gatewayWriter.append(contentsOf: LedgerFixtures.entries(40))
        async let fromCLI = cliWriter.append(contentsOf: LedgerFixtures.entries(40, from: 100))
        let (a, b) = try await (fromGateway, fromCLI)
        #expect(Set(a.map(\.index)).isDisjoint(with: b.map(\.index)))
        let store = try LedgerStore(path: path)
        #expect(store.treeSize == 82) // two membership entries
        #expect(store.members().count == 2)
        #expect(LedgerVerifier(store: store).verify().isValid)
    }
}

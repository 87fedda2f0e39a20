import Foundation
import GRDB
import RampartLedger
import Synchronization
import Testing

/// `LedgerVerifier` on valid logs and on damaged derived data; `ForkCheck` on histories that
/// share a prefix and then diverge.
@Suite("Ledger: verification and fork detection")
struct LedgerVerifyTests {
    let signer = LedgerFixtures.signer(0x11)

    @Test("a valid log verifies, with counts, root and progress")
    func validLog() throws {
        let directory = LedgerTemporaryDirectory()
        let store = try LedgerFixtures.makeLog(path: directory.file(), signer: signer, blockSizes: [10, 3000, 1, 2000])
        let calls = Mutex<[(UInt64, UInt64)]>([])
        let report = LedgerVerifier(store: store).verify { checked, total in calls.withLock { $0.append((checked, total)) } }
        #expect(report.isValid, "\(report.problem.map { "\($0)" } ?? "")")
        #expect(report.entriesChecked == 5011)
        #expect(report.blocksChecked == 4)
        #expect(report.treeSize == 5011)
        #expect(report.root == store.latestHead?.root)
        let progress = calls.withLock { $0 }
        #expect(progress.count >= 2)
        #expect(progress.last.map { $0 == (5011, 5011) } == true)
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }

    @Test("an empty log verifies")
    func emptyLog() throws {
        let directory = LedgerTemporaryDirectory()
        let report = LedgerVerifier(store: try LedgerStore(path: directory.file())).verify()
        #expect(report.isValid && report.entriesChecked == 0 && report.root == nil)
    }

    @Test("trusted keys: a log created by another key fails at entry 0")
    func trustedKeys() throws {
        let directory = LedgerTemporaryDirectory()
        let store = try LedgerFixtures.makeLog(path: directory.file(), signer: signer, blockSizes: [4])
        #expect(LedgerVerifier(store: store, trustedKeys: [signer.publicKey]).verify().isValid)
        let other = LedgerFixtures.signer(0x44)
        let report = LedgerVerifier(store: store, trustedKeys: [other.publicKey]).verify()
        #expect(report.problem?.position == .entry(0))
        #expect(report.problem?.what.contains("trusted") == true)
    }

    @Test("logs of several gateways, joining and leaving, verify")
    func severalGateways() async throws {
        let directory = LedgerTemporaryDirectory()
        let store = try LedgerFixtures.makeLog(path: directory.file(), signer: signer, blockSizes: [3, 4])
        let second = LedgerFixtures.signer(0x22)
        try store.seal(LedgerFixtures.entries(5, from: 20), signer: second, time: 10, joiningAt: "second")
        try store.seal(LedgerFixtures.entries(2, from: 30), signer: signer, time: 11)
        try store.seal([.membership(publicKey: second.publicKey, change: .left, address: "second", time: 12)],
                       signer: second, time: 12)
        try store.seal(LedgerFixtures.entries(2, from: 40), signer: signer, time: 13)
        let report = LedgerVerifier(store: store).verify()
        #expect(report.isValid, "\(report.problem.map { "\($0)" } ?? "")")
        #expect(report.entriesChecked == store.treeSize)
    }

    @Test("altered derived data (leaf hashes, nodes, membership index) is reported as storage")
    func derivedData() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let store = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: [8, 8, 8])
        let raw = try LedgerFixtures.rawDatabase(path)
        func problem(after sql: String, undo: String) throws -> LedgerProblem? {
            try raw.write { try $0.execute(sql: sql) }
            defer { try? raw.write { try $0.execute(sql: undo) } }
            return LedgerVerifier(store: store).verify().problem
        }
        let leaf = try raw.read { try Data.fetchOne($0, sql: "SELECT hash FROM node WHERE level = 0 AND idx = 5")! }
        let altered = try problem(after: "UPDATE node SET hash = zeroblob(32) WHERE level = 0 AND idx = 5",
                                  undo: "UPDATE node SET hash = x'\(leaf.map { String(format: "%02x", $0) }.joined())' WHERE level = 0 AND idx = 5")
        #expect(altered?.position == .storage)
        #expect(altered?.what.contains("entry 5") == true)
        let node = try raw.read { try Data.fetchOne($0, sql: "SELECT hash FROM node WHERE level = 3 AND idx = 1")! }
        let hex = node.map { String(format: "%02x", $0) }.joined()
        #expect(try problem(after: "DELETE FROM node WHERE level = 3 AND idx = 1",
                            undo: "INSERT INTO node (level, idx, hash) VALUES (3, 1, x'\(hex)')")?.position == .storage)
        #expect(try problem(after: "INSERT INTO node (level, idx, hash) VALUES (9, 0, zeroblob(32))",
                            undo: "DELETE FROM node WHERE level = 9")?.position == .storage)
        #expect(try problem(after: "DELETE FROM membership", undo: """
            INSERT INTO membership (idx, gateway, public_key, change) VALUES \
            (0, x'\(signer.gatewayID.hex)', x'\(signer.publicKey.map { String(format: "%02x", $0) }.joined())', 'joined')
            """)?.position == .storage)
        #expect(LedgerVerifier(store: store).verify().isValid)
    }

    @Test("a history that shares a prefix and then diverges is caught at its first divergent entry")
    func forks() throws {
        let directory = LedgerTemporaryDirectory()
        let local = try LedgerFixtures.makeLog(path: directory.file("a.sqlite"), signer: signer, blockSizes: [20, 30, 25])
        // The other copy shares blocks 0 and 1, then seals a block 2 whose first three entries
        // are the same (same signer, times and bodies: the same bytes) and the rest differ.
        let other = try LedgerStore(path: directory.file("b.sqlite"))
        try other.append(try #require(try local.block(0)))
        try other.append(try #require(try local.block(1)))
        let shared = try #require(try local.block(2)).entries.prefix(3).map {
            PendingEntry(type: $0.type, time: $0.time, body: $0.body)
        }
        try other.append(try other.makeBlock(Array(shared) + LedgerFixtures.entries(22, from: 900), signer: signer,
                                             time: 77))
        #expect(other.treeSize == local.treeSize)
        let theirHeads = try other.heads(from: 0, limit: 10)
        let theirEntries = try other.entries(from: 0, limit: 1000)

        let divergence = try ForkCheck.firstDivergence(local: local, presented: theirHeads, presentedEntries: theirEntries)
        #expect(divergence?.position == .entry(53))
        #expect(divergence?.what.contains("validly signed by gateway \(signer.gatewayID)") == true)
        // Only a suffix of entries presented: still the same first divergence.
        let suffix = Array(theirEntries[40...])
        #expect(try ForkCheck.firstDivergence(local: local, presented: [], presentedEntries: suffix)?.position == .entry(53))
        // Only tree heads: the block whose head disagrees, and the range it narrows the fork to.
        let byHeads = try ForkCheck.firstDivergence(local: local, presented: theirHeads, presentedEntries: [])
        #expect(byHeads?.position == .block(2))
        #expect(byHeads?.what.contains("[50, 75)") == true)
        // A prefix of the same history is no fork.
        #expect(try ForkCheck.firstDivergence(local: local, presented: Array(theirHeads.prefix(2)),
                                              presentedEntries: Array(theirEntries.prefix(53))) == nil)
        #expect(try ForkCheck.firstDivergence(local: other, presented: [], presentedEntries: Array(theirEntries.prefix(60))) == nil)
        // Both copies verify on their own: a fork is only visible by comparing.
        #expect(LedgerVerifier(store: local).verify().isValid)
        #expect(LedgerVerifier(store: other).verify().isValid)
    }
}

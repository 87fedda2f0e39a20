// Shared by the Ledger{Format,Store,Writer,Verify,Tamper}Tests files: temporary directories,
// deterministic signers, sample entries, logs built block by block, and raw SQL on a ledger
// file (what an attacker with write access to ledger.sqlite could do).
import Foundation
import GRDB
import RampartLedger
import Testing

/// A directory under the system's temporary directory, removed when the value goes away.
final class LedgerTemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "rampart-ledger-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `ledger.sqlite` in the directory, or another file name.
    func file(_ name: String = "ledger.sqlite") -> String {
        path + "/" + name
    }
}

enum LedgerFixtures {
    /// A signer whose seed is 32 copies of `byte`: the same key in every run.
    static func signer(_ byte: UInt8) -> LedgerSigner {
        try! LedgerSigner(seed: [UInt8](repeating: byte, count: 32))
    }

    /// A valid session summary, distinct for each `number`.
    static func session(_ number: Int, time: UInt64 = 1_760_000_000_000) -> PendingEntry {
        PendingEntry(type: .session, time: time + UInt64(number), body: .textMap([
            ("kid", .bytes([0x2A, UInt8(truncatingIfNeeded: number), UInt8(truncatingIfNeeded: number >> 8)])),
            ("start", .unsigned(time)), ("end", .unsigned(time + UInt64(number))), ("outcome", .text("closed")),
            ("session", .unsigned(UInt64(number % 65_536))), ("suite", .int(number % 2 == 0 ? 2 : 0)),
            ("requests", .unsigned(UInt64(number * 3))),
            ("rejections", .textMap([("replay", .unsigned(UInt64(number % 5)))])),
        ]))
    }

    /// A policy change (a different type, a different body shape).
    static func policyChange(_ number: Int) -> PendingEntry {
        PendingEntry(type: .policyChange, time: 1_760_000_000_000 + UInt64(number), body: .textMap([
            ("subject", .text("device/\(number)/policy")), ("old", .text("observe")), ("new", .text("quarantine")),
            ("reason", .text("score \(number)")),
        ]))
    }

    /// `count` mixed entries numbered from `start`.
    static func entries(_ count: Int, from start: Int = 0) -> [PendingEntry] {
        (start ..< start + count).map { $0 % 7 == 3 ? policyChange($0) : session($0) }
    }

    /// A signed entry built by hand (for blocks the store would never make).
    static func signedEntry(_ pending: PendingEntry, index: UInt64, signer: LedgerSigner) -> SignedEntry {
        SignedEntry.signed(pending, index: index, signer: signer)
    }

    /// A tree head signed by `signer`.
    static func head(block: UInt64, treeSize: UInt64, root: LedgerHash, time: UInt64 = 1_760_000_100_000,
                     signer: LedgerSigner) -> TreeHead {
        TreeHead.signed(block: block, treeSize: treeSize, root: root, time: time, signer: signer)
    }

    /// The root of the store's log extended by `entries`, computed independently of the store.
    static func root(of store: LedgerStore, extendedBy entries: [SignedEntry]) throws -> LedgerHash {
        var nodes = InMemoryMerkleNodes()
        var next: UInt64 = 0
        while next < store.treeSize {
            let page = try store.entries(from: next, limit: 1000)
            for entry in page { nodes.append(entry.leafHash) }
            next += UInt64(page.count)
        }
        for entry in entries { nodes.append(entry.leafHash) }
        return try MerkleProofs.rootHash(size: nodes.size, nodes: nodes)
    }

    /// A block made by hand: `entries` signed by `signer` at indices from the store's size (or
    /// `firstIndex`), its head over the resulting root (or `root`), numbered after the store's
    /// blocks (or `number`).
    static func handMadeBlock(_ pending: [PendingEntry], on store: LedgerStore, signer: LedgerSigner,
                              firstIndex: UInt64? = nil, number: UInt64? = nil, root: LedgerHash? = nil,
                              headSigner: LedgerSigner? = nil) throws -> LedgerBlock {
        let first = firstIndex ?? store.treeSize
        let entries = pending.enumerated().map { signedEntry($1, index: first + UInt64($0), signer: signer) }
        let computed = try root ?? Self.root(of: store, extendedBy: entries)
        let head = head(block: number ?? store.blockCount, treeSize: first + UInt64(entries.count), root: computed,
                        signer: headSigner ?? signer)
        return LedgerBlock(head: head, entries: entries)
    }

    /// A log at `path` written by `signer`: one block per element of `blockSizes` (the first
    /// starts with the signer's membership entry, counted in its size).
    @discardableResult
    static func makeLog(path: String, signer: LedgerSigner, blockSizes: [Int]) throws -> LedgerStore {
        let store = try LedgerStore(path: path)
        var number = 0
        for (block, size) in blockSizes.enumerated() {
            var pending = entries(block == 0 ? size - 1 : size, from: number)
            number += pending.count
            if block == 0 { pending.insert(signer.membershipEntry(address: "gw-\(signer.gatewayID)", time: 1), at: 0) }
            try store.append(try store.makeBlock(pending, signer: signer, time: 1_760_000_200_000 + UInt64(block)))
        }
        return store
    }

    /// A plain SQLite connection to a ledger file, bypassing the store.
    static func rawDatabase(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    /// The stored bytes of entry `index`.
    static func storedEntry(_ db: DatabaseQueue, _ index: UInt64) throws -> [UInt8] {
        try db.read { db in [UInt8](try Data.fetchOne(db, sql: "SELECT bytes FROM entry WHERE idx = ?", arguments: [index])!) }
    }

    static func setStoredEntry(_ db: DatabaseQueue, _ index: UInt64, _ bytes: [UInt8]) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE entry SET bytes = ? WHERE idx = ?", arguments: [Data(bytes), index])
        }
    }

    static func storedHead(_ db: DatabaseQueue, _ number: UInt64) throws -> [UInt8] {
        try db.read { db in [UInt8](try Data.fetchOne(db, sql: "SELECT head FROM block WHERE number = ?", arguments: [number])!) }
    }

    static func setStoredHead(_ db: DatabaseQueue, _ number: UInt64, _ bytes: [UInt8]) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE block SET head = ? WHERE number = ?", arguments: [Data(bytes), number])
        }
    }
}

extension LedgerStoreError {
    /// The problem of a refused block.
    var refusal: LedgerProblem? {
        if case .refused(let problem) = self { return problem }
        return nil
    }
}

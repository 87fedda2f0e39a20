import Foundation
import GRDB
import RampartLedger
import Testing

/// The issue's words: "flipping any byte of any stored entry, deleting or reordering entries,
/// or a gateway presenting a forked history is detected, with its position". A log of 301
/// entries in five blocks is altered directly in SQLite, as someone with write access to
/// ledger.sqlite could, and the verifier must name exactly the altered entry or block.
@Suite("Ledger: tamper detection")
struct LedgerTamperTests {
    /// Blocks [0, 41), [41, 101), [101, 151), [151, 221), [221, 301).
    static let blockSizes = [41, 60, 50, 70, 80]
    static let treeSize: UInt64 = 301

    let directory = LedgerTemporaryDirectory()
    let store: LedgerStore
    let raw: DatabaseQueue

    init() throws {
        store = try LedgerFixtures.makeLog(path: directory.file(), signer: LedgerFixtures.signer(0x11),
                                           blockSizes: Self.blockSizes)
        raw = try LedgerFixtures.rawDatabase(directory.file())
    }

    private func problem() -> LedgerProblem? {
        LedgerVerifier(store: store).verify().problem
    }

    @Test("flipping every byte of a few entries is reported at exactly that entry")
    func everyByteOfSomeEntries() throws {
        #expect(problem() == nil)
        for index: UInt64 in [1, 150, 299] {
            let original = try LedgerFixtures.storedEntry(raw, index)
            for offset in original.indices {
                var flipped = original
                flipped[offset] ^= 0x01
                try LedgerFixtures.setStoredEntry(raw, index, flipped)
                let found = problem()
                #expect(found?.position == .entry(index), "byte \(offset) of entry \(index): \(found.map { "\($0)" } ?? "not detected")")
            }
            try LedgerFixtures.setStoredEntry(raw, index, original)
        }
        #expect(problem() == nil)
    }

    @Test("flipping one byte of any entry is reported at that entry")
    func oneByteOfEveryEntry() throws {
        for index in 0 ..< Self.treeSize {
            let original = try LedgerFixtures.storedEntry(raw, index)
            var flipped = original
            let offset = Int(index * 37) % original.count
            flipped[offset] ^= 0x80
            try LedgerFixtures.setStoredEntry(raw, index, flipped)
            let found = problem()
            #expect(found?.position == .entry(index), "byte \(offset) of entry \(index): \(found.map { "\($0)" } ?? "not detected")")
            try LedgerFixtures.setStoredEntry(raw, index, original)
        }
    }

    @Test("a deleted entry is reported at its position")
    func deletion() throws {
        for index: UInt64 in [0, 77, 151, 300] {
            let original = try LedgerFixtures.storedEntry(raw, index)
            try raw.write { try $0.execute(sql: "DELETE FROM entry WHERE idx = ?", arguments: [index]) }
            let found = problem()
            #expect(found?.position == .entry(index), "\(found.map { "\($0)" } ?? "not detected")")
            #expect(found?.what.contains("missing") == true)
            try raw.write { db in
                try db.execute(sql: "INSERT INTO entry (idx, block, bytes) VALUES (?, (SELECT number FROM block WHERE "
                               + "first_index <= ? AND tree_size > ?), ?)", arguments: [index, index, index, Data(original)])
            }
        }
        #expect(problem() == nil)
    }

    @Test("a deletion closed up by renumbering is reported at the first entry out of place")
    func deletionRenumbered() throws {
        try raw.write { db in
            try db.execute(sql: "DELETE FROM entry WHERE idx = 77")
            // Shift the later rows down one by one (ascending, so no key collides).
            for index in 78 ..< Int(Self.treeSize) {
                try db.execute(sql: "UPDATE entry SET idx = idx - 1 WHERE idx = ?", arguments: [index])
            }
        }
        let found = problem()
        #expect(found?.position == .entry(77))
        #expect(found?.what.contains("signed as entry 78") == true)
    }

    @Test("two swapped entries are reported at the first")
    func reordering() throws {
        let a = try LedgerFixtures.storedEntry(raw, 100), b = try LedgerFixtures.storedEntry(raw, 200)
        try LedgerFixtures.setStoredEntry(raw, 100, b)
        try LedgerFixtures.setStoredEntry(raw, 200, a)
        #expect(problem()?.position == .entry(100))
        // Adjacent entries inside one block.
        try LedgerFixtures.setStoredEntry(raw, 100, a)
        try LedgerFixtures.setStoredEntry(raw, 200, b)
        let c = try LedgerFixtures.storedEntry(raw, 160), d = try LedgerFixtures.storedEntry(raw, 161)
        try LedgerFixtures.setStoredEntry(raw, 160, d)
        try LedgerFixtures.setStoredEntry(raw, 161, c)
        #expect(problem()?.position == .entry(160))
    }

    @Test("a corrupted tree head (root, signature, any byte) is reported at its block")
    func treeHeads() throws {
        let original = try LedgerFixtures.storedHead(raw, 2)
        let head = try TreeHead.decode(original)
        var rootBytes = head.root.bytes
        rootBytes[31] ^= 0x01
        let wrongRoot = TreeHead(block: 2, treeSize: head.treeSize, root: LedgerHash(bytes: rootBytes)!, time: head.time,
                                 gateway: head.gateway, signature: head.signature)
        try LedgerFixtures.setStoredHead(raw, 2, wrongRoot.encoded)
        #expect(problem()?.position == .block(2))
        var signature = head.signature
        signature[5] ^= 0x10
        let wrongSignature = TreeHead(block: 2, treeSize: head.treeSize, root: head.root, time: head.time,
                                      gateway: head.gateway, signature: signature)
        try LedgerFixtures.setStoredHead(raw, 2, wrongSignature.encoded)
        let found = problem()
        #expect(found?.position == .block(2))
        #expect(found?.what.contains("signature") == true)
        for offset in original.indices {
            var flipped = original
            flipped[offset] ^= 0x01
            try LedgerFixtures.setStoredHead(raw, 2, flipped)
            let found = problem()
            #expect(found?.position == .block(2), "byte \(offset) of block 2's head: \(found.map { "\($0)" } ?? "not detected")")
        }
        try LedgerFixtures.setStoredHead(raw, 2, original)
        // A deleted block row.
        try raw.write { try $0.execute(sql: "DELETE FROM block WHERE number = 3") }
        #expect(problem()?.position == .block(3))
    }

    @Test("values of the wrong SQLite type are reported, not crashed on")
    func wrongColumnTypes() throws {
        let original = try LedgerFixtures.storedEntry(raw, 10)
        try raw.write { try $0.execute(sql: "UPDATE entry SET bytes = 42 WHERE idx = 10") }
        #expect(problem()?.position == .entry(10))
        #expect(throws: LedgerStoreError.self) { try store.entry(at: 10) }
        try raw.write { try $0.execute(sql: "UPDATE entry SET bytes = x'' WHERE idx = 10") }
        #expect(problem()?.position == .entry(10))
        try LedgerFixtures.setStoredEntry(raw, 10, original)
        try raw.write { try $0.execute(sql: "UPDATE block SET first_index = 'x' WHERE number = 3") }
        #expect(problem()?.position == .block(3))
        try raw.write { try $0.execute(sql: "UPDATE block SET first_index = 151 WHERE number = 3") }
        #expect(problem() == nil)
        try raw.write { try $0.execute(sql: "UPDATE node SET hash = 'text' WHERE level = 0 AND idx = 5") }
        #expect(problem()?.position == .storage)
    }

    @Test("an entry appended outside any block is reported")
    func strayEntry() throws {
        let extra = LedgerFixtures.signedEntry(LedgerFixtures.session(999), index: Self.treeSize,
                                               signer: LedgerFixtures.signer(0x11))
        try raw.write { db in
            try db.execute(sql: "INSERT INTO entry (idx, block, bytes) VALUES (?, 4, ?)",
                           arguments: [Self.treeSize, Data(extra.encoded)])
        }
        #expect(problem()?.position == .entry(Self.treeSize))
        // The store refuses to extend a log whose end does not add up.
        let reopened = try LedgerStore(path: directory.file())
        #expect(reopened.damage != nil)
        #expect(throws: LedgerStoreError.self) {
            try reopened.seal(LedgerFixtures.entries(1), signer: LedgerFixtures.signer(0x11), time: 1)
        }
    }
}

import Foundation
import GRDB
import RampartLedger
import Testing

/// The SQLite store: blocks appended and read back across reopening, proofs from the stored
/// nodes, and blocks that do not extend the log validly refused without a trace.
@Suite("Ledger: SQLite store")
struct LedgerStoreTests {
    let signer = LedgerFixtures.signer(0x11)

    @Test("blocks survive reopening; roots and proofs verify against every stored tree head")
    func appendReopenProve() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let sizes = [5, 8, 1, 16, 3]
        do {
            let store = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: sizes)
            #expect(store.treeSize == 33)
            #expect(store.blockCount == 5)
        }
        let store = try LedgerStore(path: path)
        #expect(store.treeSize == 33)
        #expect(store.blockCount == 5)
        #expect(store.damage == nil)
        #expect(store.members() == [signer.gatewayID: signer.publicKey])
        let heads = try store.heads(from: 0, limit: 100)
        #expect(heads.map(\.treeSize) == [5, 13, 14, 30, 33])
        #expect(heads.last == store.latestHead)
        #expect(heads.allSatisfy { $0.isSigned(by: signer.publicKey) && $0.gateway == signer.gatewayID })

        let entries = try store.entries(from: 0, limit: 100)
        #expect(entries.map(\.index) == Array(0 ..< 33))
        #expect(entries[0].type == .membership)
        #expect(try store.entry(at: 17) == entries[17])
        #expect(try store.entry(at: 33) == nil)
        #expect(try store.block(1)?.entries == Array(entries[5 ..< 13]))
        #expect(try store.block(5) == nil)

        for head in heads {
            #expect(try store.rootHash(treeSize: head.treeSize) == head.root)
            for entry in entries where entry.index < head.treeSize {
                let proof = try store.inclusionProof(index: entry.index, treeSize: head.treeSize)
                try MerkleVerification.verifyInclusion(leafHash: entry.leafHash, index: entry.index, size: head.treeSize,
                                                       proof: proof, root: head.root)
            }
            for older in heads where older.treeSize <= head.treeSize {
                let proof = try store.consistencyProof(from: older.treeSize, to: head.treeSize)
                try MerkleVerification.verifyConsistency(oldSize: older.treeSize, newSize: head.treeSize, oldRoot: older.root,
                                                         newRoot: head.root, proof: proof)
            }
        }
        // A proof against a root it was not made for fails.
        let proof = try store.inclusionProof(index: 3, treeSize: 33)
        #expect(throws: (any Error).self) {
            try MerkleVerification.verifyInclusion(leafHash: entries[4].leafHash, index: 3, size: 33, proof: proof,
                                                   root: heads[4].root)
        }
        #expect(throws: LedgerStoreError.self) { try store.inclusionProof(index: 3, treeSize: 34) }
        #expect(throws: LedgerStoreError.self) { try store.rootHash(treeSize: 34) }
    }

    /// The store before and after a refused append must be indistinguishable.
    private func snapshot(_ store: LedgerStore) throws -> [String] {
        [String(store.treeSize), String(store.blockCount), "\(store.latestHead.map { $0.root.hex } ?? "-")",
         "\(try store.entries(from: 0, limit: 1000).count)", "\(try store.heads(from: 0, limit: 1000).count)",
         try store.rootHash(treeSize: store.treeSize).hex]
    }

    @Test("a block with a gap, a wrong root, a bad signature or an unknown signer is refused and changes nothing")
    func refusals() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let store = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: [4, 6])
        let before = try snapshot(store)
        let stranger = LedgerFixtures.signer(0x99)
        let next = LedgerFixtures.entries(3, from: 100)

        func refused(_ block: LedgerBlock) -> LedgerProblem? {
            do {
                try store.append(block)
                return nil
            } catch let error as LedgerStoreError {
                return error.refusal
            } catch {
                return LedgerProblem(.storage, "unexpected \(error)")
            }
        }

        // A gap: the block starts one entry past the end.
        let gap = try LedgerFixtures.handMadeBlock(next, on: store, signer: signer, firstIndex: 11)
        #expect(refused(gap)?.position == .entry(11))
        // An overlap: the block starts inside the log.
        let overlap = try LedgerFixtures.handMadeBlock(next, on: store, signer: signer, firstIndex: 9)
        #expect(refused(overlap)?.position == .entry(9))
        // A block number that does not follow.
        let skipped = try LedgerFixtures.handMadeBlock(next, on: store, signer: signer, number: 3)
        #expect(refused(skipped)?.position == .block(3))
        // A wrong root, validly signed.
        let wrongRoot = try LedgerFixtures.handMadeBlock(next, on: store, signer: signer,
                                                         root: LedgerHash(bytes: [UInt8](repeating: 7, count: 32))!)
        let rootProblem = refused(wrongRoot)
        #expect(rootProblem?.position == .block(2))
        #expect(rootProblem?.what.contains("root") == true)
        // A bad entry signature (the head, over the tampered entry, is valid).
        let good = try store.makeBlock(next, signer: signer, time: 9)
        var tampered = good.entries
        let victim = tampered[1]
        var signature = victim.signature
        signature[10] ^= 0x01
        tampered[1] = SignedEntry(index: victim.index, time: victim.time, gateway: victim.gateway, type: victim.type,
                                  body: victim.body, signature: signature)
        let badSignature = LedgerBlock(head: LedgerFixtures.head(block: 2, treeSize: 13,
                                                                 root: try LedgerFixtures.root(of: store, extendedBy: tampered),
                                                                 signer: signer),
                                       entries: tampered)
        let signatureProblem = refused(badSignature)
        #expect(signatureProblem?.position == .entry(11))
        #expect(signatureProblem?.what.contains("signature does not verify") == true)
        // A bad tree-head signature.
        let head = good.head
        var headSignature = head.signature
        headSignature[0] ^= 0x80
        let badHead = LedgerBlock(head: TreeHead(block: head.block, treeSize: head.treeSize, root: head.root, time: head.time,
                                                 gateway: head.gateway, signature: headSignature), entries: good.entries)
        #expect(refused(badHead)?.position == .block(2))
        // An unknown signer: valid signatures by a gateway that never joined.
        let unknown = try LedgerFixtures.handMadeBlock(next, on: store, signer: stranger)
        let unknownProblem = refused(unknown)
        #expect(unknownProblem?.position == .entry(10))
        #expect(unknownProblem?.what.contains("not a member") == true)
        // Entries of one gateway sealed by another.
        let foreign = try LedgerFixtures.handMadeBlock(next, on: store, signer: signer, headSigner: stranger)
        let foreignProblem = refused(foreign)
        #expect(foreignProblem?.position == .block(2))
        #expect(foreignProblem?.what.contains("written by gateway \(signer.gatewayID)") == true)
        // A stranger cannot make a block either without joining first.
        #expect(throws: LedgerStoreError.self) { try store.makeBlock(next, signer: stranger, time: 1) }

        #expect(try snapshot(store) == before)
        #expect(try snapshot(try LedgerStore(path: path)) == before)
        // The valid block still goes in.
        try store.append(good)
        #expect(store.treeSize == 13)
        #expect(try LedgerStore(path: path).latestHead == good.head)
    }

    @Test("a gateway joins with its membership entry, writes, and is refused once it has left")
    func membership() throws {
        let directory = LedgerTemporaryDirectory()
        let store = try LedgerFixtures.makeLog(path: directory.file(), signer: signer, blockSizes: [3])
        let second = LedgerFixtures.signer(0x22)
        // The second gateway's first block starts with its own joined entry.
        let joining = try store.makeBlock([second.membershipEntry(address: "10.0.0.2:5683", time: 2)]
                                          + LedgerFixtures.entries(2, from: 50), signer: second, time: 3)
        try store.append(joining)
        #expect(store.members() == [signer.gatewayID: signer.publicKey, second.gatewayID: second.publicKey])
        try store.append(try store.makeBlock(LedgerFixtures.entries(2, from: 60), signer: second, time: 4))
        // Someone else's joined entry cannot be written by this gateway.
        let third = LedgerFixtures.signer(0x33)
        #expect(throws: LedgerStoreError.self) {
            try store.makeBlock([.membership(publicKey: third.publicKey, change: .joined, address: "", time: 5)],
                                signer: second, time: 5)
        }
        // The first gateway removes the second.
        try store.append(try store.makeBlock([.membership(publicKey: second.publicKey, change: .left, address: "", time: 6)],
                                             signer: signer, time: 6))
        #expect(store.members() == [signer.gatewayID: signer.publicKey])
        let late = try LedgerFixtures.handMadeBlock(LedgerFixtures.entries(1, from: 70), on: store, signer: second)
        #expect(throws: LedgerStoreError.self) { try store.append(late) }
        // A removed gateway's writer is not rejoined behind the remover's back.
        #expect { try store.seal(LedgerFixtures.entries(1), signer: second, time: 7, joiningAt: "again") }
            throws: { "\($0)".contains("left the ledger at entry 8") }
        #expect(try LedgerStore(path: directory.file()).members() == [signer.gatewayID: signer.publicKey])
        #expect(LedgerVerifier(store: store).verify().isValid)

        // The membership index is derived; a row added by hand (a stranger made a member)
        // does not match its entry, and the store then refuses to write.
        try LedgerFixtures.rawDatabase(directory.file()).write { db in
            try db.execute(sql: "INSERT INTO membership (idx, gateway, public_key, change) VALUES (1, ?, ?, 'joined')",
                           arguments: [Data(third.gatewayID.bytes), Data(third.publicKey)])
        }
        let tampered = try LedgerStore(path: directory.file())
        #expect(tampered.damage?.contains("membership index") == true)
        #expect(throws: LedgerStoreError.self) {
            try tampered.append(try LedgerFixtures.handMadeBlock(LedgerFixtures.entries(1), on: tampered, signer: third))
        }
        #expect(LedgerVerifier(store: tampered).verify().problem?.position == .storage)
    }

    @Test("the first entry of a log must be its creator's joined membership entry")
    func genesis() throws {
        let directory = LedgerTemporaryDirectory()
        let store = try LedgerStore(path: directory.file())
        #expect(throws: LedgerStoreError.self) { try store.makeBlock(LedgerFixtures.entries(2), signer: signer, time: 1) }
        let withoutMembership = try LedgerFixtures.handMadeBlock(LedgerFixtures.entries(2), on: store, signer: signer)
        #expect(throws: LedgerStoreError.self) { try store.append(withoutMembership) }
        #expect(store.treeSize == 0)
        try store.seal(LedgerFixtures.entries(2), signer: signer, time: 1, joiningAt: "gw")
        #expect(store.treeSize == 3)
        #expect(try store.entry(at: 0)?.body["address"] == .text("gw"))
    }

    @Test("the durable queue keeps entries until a block consumes them")
    func pendingQueue() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        let store = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: [2])
        let queued = LedgerFixtures.entries(5, from: 10)
        let ids = try store.enqueue(queued)
        #expect(ids.count == 5 && Set(ids).count == 5)
        let reopened = try LedgerStore(path: path)
        let pending = try reopened.pending(limit: 3)
        #expect(pending.map(\.entry) == Array(queued.prefix(3)))
        #expect(pending.map(\.id) == Array(ids.prefix(3)))
        let block = try reopened.makeBlock(pending.map(\.entry), signer: signer, time: 5)
        try reopened.append(block, consumingPending: pending.map(\.id))
        #expect(try reopened.pending(limit: 10).map(\.entry) == Array(queued.suffix(2)))
        #expect(try reopened.pendingCount() == 2)
        #expect(throws: LedgerStoreError.self) {
            try store.enqueue([PendingEntry(type: .session, time: 1, body: .textMap([("kid", .bytes([1]))]))])
        }
        #expect(try reopened.pendingCount() == 2)
    }

    @Test("files that are not this version's ledger are refused with a reason")
    func foreignFiles() throws {
        let directory = LedgerTemporaryDirectory()
        let garbage = directory.file("garbage.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
        #expect { try LedgerStore(path: garbage) } throws: { "\($0)".contains("not a SQLite database") }

        let other = directory.file("other.sqlite")
        try DatabaseQueue(path: other).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect { try LedgerStore(path: other) } throws: { "\($0)".contains("another program") }

        let registry = directory.file("registry.sqlite")
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: device, device_status_change") { db in try db.execute(sql: "CREATE TABLE device (x)") }
        try migrator.migrate(DatabaseQueue(path: registry))
        #expect { try LedgerStore(path: registry) } throws: { "\($0)".contains("not a ledger") }

        let newer = directory.file()
        _ = try LedgerFixtures.makeLog(path: newer, signer: signer, blockSizes: [1])
        try DatabaseQueue(path: newer).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('ledger v99: the future')")
        }
        #expect { try LedgerStore(path: newer) } throws: { "\($0)".contains("newer rampart") }

        #expect { try LedgerStore(path: directory.path + "/missing/ledger.sqlite") } throws: { "\($0)".contains("directory") }
        #expect { try LedgerStore(path: directory.file("absent.sqlite"), readOnly: true) } throws: { "\($0)".contains("does not exist") }
    }

    @Test("a read-only store reads and verifies")
    func readOnly() throws {
        let directory = LedgerTemporaryDirectory()
        let path = directory.file()
        _ = try LedgerFixtures.makeLog(path: path, signer: signer, blockSizes: [3, 4])
        let store = try LedgerStore(path: path, readOnly: true)
        #expect(store.treeSize == 7)
        #expect(LedgerVerifier(store: store).verify().isValid)
        #expect(throws: LedgerStoreError.self) {
            try store.append(try store.makeBlock(LedgerFixtures.entries(1), signer: signer, time: 1))
        }
    }
}

import Foundation
import RampartHostCrypto
import RampartLedger
import Testing

/// docs/ledger.md's encodings: signed entries, tree heads and blocks round-trip, their
/// signatures cover what the document says, and decoding accepts nothing but canonical CBOR of
/// the documented shapes.
@Suite("Ledger: entry, tree head and block formats")
struct LedgerFormatTests {
    let signer = LedgerFixtures.signer(0x11)

    @Test("a signed entry round-trips, its signature verifies and covers ToBeSigned")
    func signedEntryRoundTrip() throws {
        let entry = LedgerFixtures.signedEntry(LedgerFixtures.session(7), index: 42, signer: signer)
        let decoded = try SignedEntry.decode(entry.encoded)
        #expect(decoded == entry)
        #expect(decoded.encoded == entry.encoded)
        #expect(decoded.isSigned(by: signer.publicKey))
        #expect(entry.leafHash == MerkleHashing.leafHash(entry.encoded))

        // ToBeSigned = ["rampart-ledger-entry/1", index, time, gateway, type, body]
        let toBeSigned = try CBORValue.decode(entry.toBeSigned)
        #expect(toBeSigned == .array([.text("rampart-ledger-entry/1"), .unsigned(42), .unsigned(entry.time),
                                      .bytes(signer.gatewayID.bytes), .unsigned(2), try CBORValue.decode(entry.body.encoded())]))
        // SignedEntry = [index, time, gateway, type, body, signature]
        let items = try #require(try CBORValue.decode(entry.encoded).arrayValue)
        #expect(items.count == 6)
        #expect(items[0] == .unsigned(42))
        #expect(items[5] == .bytes(entry.signature))
        #expect(entry.signature.count == 64)
    }

    @Test("a changed body, index or time breaks the signature")
    func changesBreakTheSignature() throws {
        let entry = LedgerFixtures.signedEntry(LedgerFixtures.session(7), index: 3, signer: signer)
        let otherBody = LedgerFixtures.session(8).body
        let changedBody = SignedEntry(index: 3, time: entry.time, gateway: entry.gateway, type: entry.type, body: otherBody,
                                      signature: entry.signature)
        #expect(!changedBody.isSigned(by: signer.publicKey))
        let changedIndex = SignedEntry(index: 4, time: entry.time, gateway: entry.gateway, type: entry.type,
                                       body: entry.body, signature: entry.signature)
        #expect(!changedIndex.isSigned(by: signer.publicKey))
        let changedTime = SignedEntry(index: 3, time: entry.time + 1, gateway: entry.gateway, type: entry.type,
                                      body: entry.body, signature: entry.signature)
        #expect(!changedTime.isSigned(by: signer.publicKey))
        #expect(!entry.isSigned(by: LedgerFixtures.signer(0x22).publicKey))
    }

    @Test("a body's map order does not matter: it is signed in canonical form")
    func canonicalBody() throws {
        let body: [(String, CBORValue)] = [("reason", .text("r")), ("subject", .text("s")), ("old", .text("o")),
                                           ("new", .text("n"))]
        let forward = PendingEntry(type: .policyChange, time: 5, body: .textMap(body))
        let backward = PendingEntry(type: .policyChange, time: 5, body: .textMap(body.reversed()))
        #expect(forward == backward)
        let a = LedgerFixtures.signedEntry(forward, index: 0, signer: signer)
        let b = LedgerFixtures.signedEntry(backward, index: 0, signer: signer)
        #expect(a.encoded == b.encoded)
    }

    @Test("decoding rejects non-canonical CBOR and undocumented shapes")
    func strictDecoding() throws {
        let entry = LedgerFixtures.signedEntry(LedgerFixtures.policyChange(1), index: 5, signer: signer)
        let bytes = entry.encoded
        #expect(bytes[0] == 0x86 && bytes[1] == 0x05)

        // The index 5 in a two-byte form (0x18 0x05) is valid CBOR but not shortest.
        var longIndex = bytes
        longIndex.replaceSubrange(1 ..< 2, with: [0x18, 0x05])
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(longIndex) }
        // Trailing bytes, truncation, an indefinite-length array.
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(bytes + [0x00]) }
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(Array(bytes.dropLast())) }
        var indefinite = bytes
        indefinite[0] = 0x9F
        indefinite.append(0xFF)
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(indefinite) }

        // Fields of the wrong kind or size.
        func entryBytes(index: CBORValue = .unsigned(5), gateway: CBORValue? = nil, type: CBORValue = .unsigned(4),
                        body: [UInt8]? = nil, signature: CBORValue? = nil) -> [UInt8] {
            var output: [UInt8] = [0x86]
            output += index.encoded()
            output += CBORValue.unsigned(entry.time).encoded()
            output += (gateway ?? .bytes(signer.gatewayID.bytes)).encoded()
            output += type.encoded()
            output += body ?? entry.body.encoded()
            output += (signature ?? .bytes(entry.signature)).encoded()
            return output
        }
        #expect(try SignedEntry.decode(entryBytes()) == entry)
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(index: .int(-1))) }
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(gateway: .bytes([1, 2, 3]))) }
        #expect(throws: LedgerFormatError.unknownEntryType(9)) { try SignedEntry.decode(entryBytes(type: .unsigned(9))) }
        #expect(throws: LedgerFormatError.self) {
            try SignedEntry.decode(entryBytes(signature: .bytes(Array(entry.signature.dropLast()))))
        }

        // Bodies: an unknown key, a missing key, a value of the wrong kind, keys out of order.
        var extra = entry.body.mapEntries!
        extra.append(CBORMapEntry(key: .text("zzz"), value: .text("x")))
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(body: CBORValue.map(extra).encoded())) }
        let missing = Array(entry.body.mapEntries!.dropFirst())
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(body: CBORValue.map(missing).encoded())) }
        let wrongKind = entry.body.mapEntries!.map { CBORMapEntry(key: $0.key, value: $0.key == .text("old") ? .unsigned(1) : $0.value) }
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(body: CBORValue.map(wrongKind).encoded())) }
        // Canonical order of the policy body is new, old, reason, subject (shorter keys first);
        // write subject first by hand.
        var unsorted: [UInt8] = [0xA4]
        for key in ["subject", "new", "old", "reason"] {
            unsorted += CBORValue.text(key).encoded() + entry.body[key]!.encoded()
        }
        #expect(throws: LedgerFormatError.self) { try SignedEntry.decode(entryBytes(body: unsorted)) }
    }

    @Test("pending entries are checked against their type's keys before they are written")
    func pendingValidation() throws {
        try LedgerFixtures.session(1).validate()
        try signer.membershipEntry(address: "10.0.0.1:5683").validate()
        let duplicateKey = PendingEntry(type: .policyChange, time: 1, body: .map([
            CBORMapEntry(key: .text("new"), value: .text("a")), CBORMapEntry(key: .text("new"), value: .text("b")),
            CBORMapEntry(key: .text("old"), value: .text("a")), CBORMapEntry(key: .text("reason"), value: .text("a")),
            CBORMapEntry(key: .text("subject"), value: .text("a")),
        ]))
        #expect(throws: LedgerFormatError.self) { try duplicateKey.validate() }
        let badScore = PendingEntry(type: .securityEvent, time: 1, body: .textMap([
            ("kid", .bytes([1])), ("score", .unsigned(1001)), ("evidence", .array([])), ("action", .text("quarantine")),
            ("reason", .text("x")), ("changed", .bool(true)),
        ]))
        #expect(throws: LedgerFormatError.self) { try badScore.validate() }
        let badChange = PendingEntry(type: .membership, time: 1, body: .textMap([
            ("public_key", .bytes(signer.publicKey)), ("change", .text("paused")), ("address", .text("")),
        ]))
        #expect(throws: LedgerFormatError.self) { try badChange.validate() }
    }

    @Test("tree heads and blocks round-trip; a block's indices must run up to its tree size")
    func headsAndBlocks() throws {
        let entries = (0 ..< 3).map { LedgerFixtures.signedEntry(LedgerFixtures.session($0), index: 10 + UInt64($0), signer: signer) }
        let root = LedgerHash(bytes: [UInt8](repeating: 0xAB, count: 32))!
        let head = LedgerFixtures.head(block: 4, treeSize: 13, root: root, signer: signer)
        #expect(try TreeHead.decode(head.encoded) == head)
        #expect(head.isSigned(by: signer.publicKey))
        let items = try #require(try CBORValue.decode(head.toBeSigned).arrayValue)
        #expect(items == [.text("rampart-ledger-tree-head/1"), .unsigned(4), .unsigned(13), .bytes(root.bytes),
                          .unsigned(head.time), .bytes(signer.gatewayID.bytes)])
        let changed = TreeHead(block: 4, treeSize: 14, root: root, time: head.time, gateway: head.gateway,
                               signature: head.signature)
        #expect(!changed.isSigned(by: signer.publicKey))

        let block = LedgerBlock(head: head, entries: entries)
        #expect(block.firstIndex == 10)
        #expect(try LedgerBlock.decode(block.encoded) == block)
        let outer = try #require(try CBORValue.decode(block.encoded).arrayValue)
        #expect(outer.count == 2 && outer[1].arrayValue?.count == 3)

        let gap = LedgerBlock(head: head, entries: [entries[0], entries[2], entries[1]])
        #expect(throws: LedgerFormatError.self) { try LedgerBlock.decode(gap.encoded) }
        let short = LedgerBlock(head: LedgerFixtures.head(block: 4, treeSize: 14, root: root, signer: signer), entries: entries)
        #expect(throws: LedgerFormatError.self) { try LedgerBlock.decode(short.encoded) }
    }

    @Test("a gateway id is the first 8 bytes of SHA-256 of the public key")
    func gatewayID() throws {
        let sodium = try Sodium()
        let publicKey = signer.publicKey
        let digest = sodium.sha256(publicKey.span)
        let expected = (0 ..< 8).map { digest[$0] }
        #expect(signer.gatewayID.bytes == expected)
        #expect(GatewayID(hex: signer.gatewayID.hex) == signer.gatewayID)
        #expect(signer.gatewayID.hex.count == 16)
        #expect(GatewayID(bytes: [1, 2, 3]) == nil)
        #expect(GatewayID(hex: "zz00000000000000") == nil)
    }

    @Test("the signing key file is created 0600 with a hex seed, reloaded, and refused when readable by others")
    func signingKeyFile() throws {
        let directory = LedgerTemporaryDirectory()
        let dataDirectory = directory.path + "/data"
        let first = try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory)
        let path = dataDirectory + "/ledger-signing.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.count == 65 && contents.hasSuffix("\n"))
        let digits = Array(contents.dropLast())
        var seed: [UInt8] = []
        for offset in stride(from: 0, to: digits.count, by: 2) {
            seed.append(try #require(UInt8(String(digits[offset ... offset + 1]), radix: 16)))
        }
        #expect(try LedgerSigner(seed: seed).publicKey == first.publicKey)
        #expect(try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory).publicKey == first.publicKey)

        chmod(path, 0o640)
        #expect(throws: (any Error).self) { try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory) }
        chmod(path, 0o600)
        try "not hex\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: (any Error).self) { try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory) }
        #expect(throws: LedgerKeyError.self) { try LedgerSigner(seed: [1, 2, 3]) }
    }
}

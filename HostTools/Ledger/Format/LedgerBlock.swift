/// A block: a run of consecutive entries `[firstIndex, head.treeSize)`, all written by the
/// sealer, and the tree head after them. `encoded` (CBOR `[TreeHead, [SignedEntry…]]`) is the
/// unit that travels through etcd in cluster mode.
public struct LedgerBlock: Sendable, Equatable {
    /// Most entries in one block (the writer's default is 1024): bounds what a decoder of a
    /// block from the network allocates.
    public static let maxEntryCount = 1 << 16

    public let head: TreeHead
    public let entries: [SignedEntry]

    public init(head: TreeHead, entries: [SignedEntry]) {
        self.head = head
        self.entries = entries
    }

    /// Index of the block's first entry.
    public var firstIndex: UInt64 { head.treeSize - UInt64(entries.count) }

    public var encoded: [UInt8] {
        var output: [UInt8] = []
        CBORValue.appendHead(major: 4, argument: 2, to: &output)
        output.append(contentsOf: head.encoded)
        CBORValue.appendHead(major: 4, argument: UInt64(entries.count), to: &output)
        for entry in entries { output.append(contentsOf: entry.encoded) }
        return output
    }

    /// Decodes a block strictly: canonical CBOR, a valid head, 1 to `maxEntryCount` valid
    /// entries whose indices run consecutively up to the head's tree size. Signatures and the
    /// root are checked against a log by `LedgerStore.append`.
    public static func decode(_ bytes: [UInt8]) throws(LedgerFormatError) -> LedgerBlock {
        let items = try LedgerFormatSupport.decodeArray(bytes, count: 2, item: "block")
        let head = try TreeHead.decode(cbor: items[0])
        guard let entryValues = items[1].arrayValue else {
            throw .malformed(item: "block", reason: "its entries are not an array")
        }
        guard !entryValues.isEmpty, entryValues.count <= maxEntryCount else {
            throw .malformed(item: "block", reason: "\(entryValues.count) entries (a block holds 1 to \(maxEntryCount))")
        }
        guard head.treeSize >= UInt64(entryValues.count) else {
            throw .malformed(item: "block", reason: "\(entryValues.count) entries but a tree size of \(head.treeSize)")
        }
        var entries: [SignedEntry] = []
        entries.reserveCapacity(entryValues.count)
        let first = head.treeSize - UInt64(entryValues.count)
        for (offset, value) in entryValues.enumerated() {
            let entry = try SignedEntry.decode(cbor: value)
            guard entry.index == first + UInt64(offset) else {
                throw .malformed(item: "block", reason: "entry \(offset) has index \(entry.index), not \(first + UInt64(offset)) "
                                 + "(a block holds consecutive entries ending at its tree size \(head.treeSize))")
            }
            entries.append(entry)
        }
        return LedgerBlock(head: head, entries: entries)
    }
}

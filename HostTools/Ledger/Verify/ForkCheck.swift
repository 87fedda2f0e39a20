/// Fork detection: compares a history another gateway presents (its tree heads, its entries)
/// with the local log. In cluster mode every gateway holds the same log; a gateway that
/// rewrote its copy, or was fed a different one, presents heads or entries that disagree with
/// ours at some point, and that point is where the histories fork.
public enum ForkCheck {
    /// Entries compared per read of the local log.
    static let pageSize = 4096

    /// The first place where the presented history differs from the local log, or nil when
    /// everything presented that the local log also covers agrees with it.
    ///
    /// Presented entries are compared byte for byte with the local entries at their indices:
    /// the lowest differing index is the fork, exactly. Presented tree heads are compared
    /// with the local root at their tree size (from the stored perfect nodes, so any size the
    /// local log has reached): a head that disagrees shows a fork among the entries before its
    /// tree size, and is reported when no presented entry pins it down earlier. Heads and
    /// entries past the local log's end cannot be compared and are skipped.
    ///
    /// The problem says whether the presented item is validly signed by a gateway the local log
    /// knows — a validly signed disagreement proves that gateway signed two histories (or
    /// rewrote its own) — or not (forged or corrupted in transit).
    public static func firstDivergence(local: LedgerStore, presented heads: [TreeHead],
                                       presentedEntries: [SignedEntry]) throws -> LedgerProblem? {
        try local.refresh()
        let size = local.treeSize
        let keys = local.knownKeys()
        if let problem = try firstDifferentEntry(local: local, size: size, presented: presentedEntries, keys: keys) {
            return problem
        }
        return try firstDifferentHead(local: local, size: size, presented: heads, keys: keys)
    }

    private static func firstDifferentEntry(local: LedgerStore, size: UInt64, presented: [SignedEntry],
                                            keys: [GatewayID: [UInt8]]) throws -> LedgerProblem? {
        let comparable = presented.filter { $0.index < size }.sorted { $0.index < $1.index }
        var cursor = 0
        while cursor < comparable.count {
            // One read covers the presented entries within pageSize of the first.
            let start = comparable[cursor].index
            let localEntries = try local.entries(from: start, limit: pageSize)
            while cursor < comparable.count, comparable[cursor].index < start + UInt64(localEntries.count) {
                let theirs = comparable[cursor]
                let ours = localEntries[Int(theirs.index - start)]
                if theirs != ours {
                    return LedgerProblem(.entry(theirs.index), "the presented entry differs from the local one: the "
                                         + "histories fork here (presented: \(signedBy(theirs, keys)); local: written by "
                                         + "gateway \(ours.gateway))")
                }
                cursor += 1
            }
            if localEntries.isEmpty { break }
        }
        return nil
    }

    private static func firstDifferentHead(local: LedgerStore, size: UInt64, presented: [TreeHead],
                                           keys: [GatewayID: [UInt8]]) throws -> LedgerProblem? {
        var agreedSize: UInt64 = 0
        var firstBad: TreeHead? = nil
        for head in presented.sorted(by: { $0.treeSize < $1.treeSize }) where head.treeSize <= size {
            if try local.rootHash(treeSize: head.treeSize) == head.root {
                if firstBad == nil { agreedSize = max(agreedSize, head.treeSize) }
            } else if firstBad == nil {
                firstBad = head
            }
        }
        guard let head = firstBad else { return nil }
        let signer = keys[head.gateway].map { head.isSigned(by: $0) } == true
            ? "validly signed by gateway \(head.gateway)"
            : "not validly signed by a gateway this ledger knows (claims gateway \(head.gateway))"
        return LedgerProblem(.block(head.block), "the presented tree head (tree size \(head.treeSize), root \(head.root); "
                             + "\(signer)) disagrees with the local root at that size: the histories fork at an entry "
                             + "in [\(agreedSize), \(head.treeSize))")
    }

    private static func signedBy(_ entry: SignedEntry, _ keys: [GatewayID: [UInt8]]) -> String {
        if let key = keys[entry.gateway], entry.isSigned(by: key) {
            return "validly signed by gateway \(entry.gateway)"
        }
        if entry.type == .membership, let key = entry.body["public_key"]?.bytesValue, entry.isSigned(by: key) {
            return "a membership entry validly signed by the key it introduces (gateway \(entry.gateway))"
        }
        return "not validly signed by a gateway this ledger knows (claims gateway \(entry.gateway))"
    }
}

import Foundation
import RampartRegistry

/// The embedded deployment's ledger: `ledger.sqlite` and `ledger-signing.key` in the data
/// directory (created on first use), written through one batching `LedgerWriter`.
public enum EmbeddedLedger {
    public static func openWriter(dataDirectory: String, address: String = "") throws -> LedgerWriter {
        let signer = try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory)
        let store = try LedgerStore(dataDirectory: dataDirectory)
        return LedgerWriter(store: store, signer: signer, address: address)
    }
}

extension EmbeddedLedger {
    /// Marks a data directory whose ledger is a cluster member's local copy: its blocks come
    /// from etcd, so tools queue entries for the gateway to seal instead of sealing them.
    public static let clusterMarker = "cluster-member"

    /// Records `entries` from a synchronous tool: sealed into a block now (embedded), or put in
    /// the durable queue that the running gateway seals (cluster member). Returns once durable.
    public static func recordNow(_ entries: [PendingEntry], dataDirectory: String, address: String = "") throws {
        let store = try LedgerStore(dataDirectory: dataDirectory)
        if FileManager.default.fileExists(atPath: DataDirectoryLayout.path(dataDirectory, clusterMarker)) {
            _ = try store.enqueue(entries)
            return
        }
        let signer = try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory)
        // `seal` builds each block inside its write transaction: a gateway appending to the
        // same file at the same time is simply ordered before or after it.
        var start = 0
        while start < entries.count {
            let end = min(entries.count, start + maxBlockEntries)
            try store.seal(Array(entries[start ..< end]), signer: signer, time: LedgerClock.nowMilliseconds(),
                           joiningAt: address)
            start = end
        }
    }

    /// Entries per block written by `recordNow`.
    static let maxBlockEntries = 1024
}

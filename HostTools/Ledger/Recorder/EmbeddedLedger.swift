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

    /// Appends `entries` from a short-lived tool (`rampart provision`, `rampart devices add`)
    /// and returns once they are committed. The gateway may be writing too: SQLite orders the
    /// two, and a block sealed on a stale tree is sealed again.
    public static func record(_ entries: [PendingEntry], dataDirectory: String) async throws {
        let writer = try openWriter(dataDirectory: dataDirectory)
        _ = try await writer.append(contentsOf: entries)
        try await writer.close()
    }
}

extension EmbeddedLedger {
    /// Marks a data directory whose ledger is a cluster member's local copy: its blocks come
    /// from etcd, so tools queue entries for the gateway to seal instead of sealing them.
    public static let clusterMarker = "cluster-member"
    /// Attempts at sealing when another process keeps appending in between.
    static let maxSealAttempts = 8

    /// Records `entries` from a synchronous tool: sealed into a block now (embedded), or put in
    /// the durable queue that the running gateway seals (cluster member). Returns once durable.
    public static func recordNow(_ entries: [PendingEntry], dataDirectory: String, address: String = "") throws {
        let store = try LedgerStore(dataDirectory: dataDirectory)
        if FileManager.default.fileExists(atPath: DataDirectoryLayout.path(dataDirectory, clusterMarker)) {
            _ = try store.enqueue(entries)
            return
        }
        let signer = try LedgerSigner.loadOrCreate(dataDirectory: dataDirectory)
        var start = 0
        while start < entries.count {
            let end = min(entries.count, start + maxBlockEntries)
            try seal(Array(entries[start ..< end]), store: store, signer: signer, address: address)
            start = end
        }
    }

    /// Entries per block written by `recordNow`.
    static let maxBlockEntries = 1024

    private static func seal(_ entries: [PendingEntry], store: LedgerStore, signer: LedgerSigner, address: String) throws {
        var attempt = 0
        while true {
            attempt += 1
            let time = LedgerClock.nowMilliseconds()
            var sealed = entries
            if store.members()[signer.gatewayID] == nil { sealed.insert(signer.membershipEntry(address: address, time: time), at: 0) }
            do {
                try store.append(try store.makeBlock(sealed, signer: signer, time: time))
                return
            } catch where attempt < maxSealAttempts {
                // Most likely the gateway appended a block in between: seal again on top.
                continue
            }
        }
    }
}

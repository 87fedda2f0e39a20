/// Where the gateway's summaries go: the embedded writer (a block committed to SQLite) or the
/// cluster's replicator (a block ordered through etcd, or its durable local queue while etcd is
/// out of reach). `record` returns once the entries are durable.
public protocol LedgerSink: Sendable {
    func record(_ entries: [PendingEntry]) async throws
}

extension LedgerWriter: LedgerSink {
    public func record(_ entries: [PendingEntry]) async throws {
        _ = try await append(contentsOf: entries)
    }
}

import Dispatch

/// Where an appended entry landed.
public struct EntryReceipt: Sendable, Equatable, Hashable {
    /// Its position in the log.
    public let index: UInt64
    /// The block that holds it.
    public let block: UInt64

    public init(index: UInt64, block: UInt64) {
        self.index = index
        self.block = block
    }
}

/// Why the writer did not take an entry.
public enum LedgerWriterError: Error, Equatable, CustomStringConvertible {
    /// `close()` was called; open a new writer.
    case closed

    public var description: String {
        switch self {
        case .closed: "the ledger writer is closed"
        }
    }
}

/// The embedded deployment's writer: batches appends from any number of tasks into blocks
/// (group commit). An append returns only once its block's transaction has committed and
/// been synced, so an acknowledged entry survives a crash.
///
/// A block is sealed as soon as `maxBlockEntries` entries wait, or when the oldest waiting
/// entry has waited `maxBlockDelay`, and while one block is being signed and committed the
/// next one fills: under load every block is full and one sync covers `maxBlockEntries`
/// entries; when idle an entry waits at most `maxBlockDelay` plus one commit. With
/// `maxBlockDelay` zero, whatever waits when the previous commit ends is sealed at once.
///
/// Signing and SQLite run on a dedicated dispatch queue (they block for milliseconds),
/// never on the actor or the cooperative thread pool.
public actor LedgerWriter {
    public nonisolated let store: LedgerStore
    public nonisolated let signer: LedgerSigner
    public nonisolated let maxBlockEntries: Int
    public nonisolated let maxBlockDelay: Duration
    /// The address in this gateway's membership entry, written before its first entry if its
    /// key has never joined this ledger.
    public nonisolated let address: String

    /// Entries submitted and not yet sealed, oldest first (one request per append call).
    private var waiting: [Request] = []
    private var waitingCount = 0
    /// Entries ever submitted, and ever finished (committed or failed): flush targets.
    private var submittedTotal = 0
    private var finishedTotal = 0
    private var flushWaiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    /// Seal without waiting for `maxBlockDelay` until this many entries have finished.
    private var urgentUntil = 0
    private var sealerRunning = false
    private var sleeper: Task<Void, Never>? = nil
    private var closed = false
    private nonisolated let ioQueue = DispatchQueue(label: "rampart-ledger-writer", qos: .userInitiated)

    /// One append call's entries and how far they have got.
    private final class Request {
        let entries: [PendingEntry]
        /// Entries handed to blocks so far (a call may span several blocks).
        var taken = 0
        var receipts: [EntryReceipt] = []
        /// Whether the caller has been answered.
        var finished = false
        let arrival: ContinuousClock.Instant
        let continuation: CheckedContinuation<[EntryReceipt], any Error>

        init(entries: [PendingEntry], continuation: CheckedContinuation<[EntryReceipt], any Error>) {
            self.entries = entries
            self.continuation = continuation
            arrival = .now
        }
    }

    public init(store: LedgerStore, signer: LedgerSigner, maxBlockEntries: Int = 1024,
                maxBlockDelay: Duration = .milliseconds(20), address: String = "") {
        precondition(maxBlockEntries >= 2 && maxBlockEntries < LedgerBlock.maxEntryCount,
                     "a block holds 2 to \(LedgerBlock.maxEntryCount) entries (one may be the membership entry)")
        self.store = store
        self.signer = signer
        self.maxBlockEntries = maxBlockEntries
        self.maxBlockDelay = maxBlockDelay
        self.address = address
    }

    /// Appends one entry; returns once it is committed.
    ///
    /// - Throws: `LedgerStoreError.invalidRequest` for a body that does not match its type
    ///   (checked before queueing, so one bad entry never fails a block of others);
    ///   the store's error when its block could not be committed; `LedgerWriterError.closed`.
    public nonisolated func append(_ entry: PendingEntry) async throws -> EntryReceipt {
        try await append(contentsOf: [entry])[0]
    }

    /// Appends entries, consecutively and in order; returns once all are committed. More
    /// than `maxBlockEntries` entries span several blocks; if a later one fails, the earlier
    /// ones stay in the log.
    public nonisolated func append(contentsOf entries: [PendingEntry]) async throws -> [EntryReceipt] {
        for (offset, entry) in entries.enumerated() {
            do {
                try entry.validate()
            } catch {
                throw LedgerStoreError.invalidRequest("entry \(offset) cannot be written: \(error)")
            }
        }
        guard !entries.isEmpty else { return [] }
        return try await submit(entries)
    }

    /// Seals everything submitted so far without waiting for `maxBlockDelay`, and returns
    /// once it is committed (or has failed, which its appenders are told).
    public func flush() async throws {
        let target = submittedTotal
        guard finishedTotal < target else { return }
        urgentUntil = max(urgentUntil, target)
        sleeper?.cancel()
        await withCheckedContinuation { continuation in
            flushWaiters.append((target, continuation))
        }
    }

    /// Flushes and refuses further appends.
    public func close() async throws {
        closed = true
        try await flush()
    }

    // MARK: Batching

    private func submit(_ entries: [PendingEntry]) async throws -> [EntryReceipt] {
        guard !closed else { throw LedgerWriterError.closed }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append(Request(entries: entries, continuation: continuation))
            waitingCount += entries.count
            submittedTotal += entries.count
            if waitingCount >= blockCapacity { sleeper?.cancel() }
            if !sealerRunning {
                sealerRunning = true
                Task { await runSealer() }
            }
        }
    }

    /// Entries of callers a block takes: one slot goes to the membership entry until this
    /// gateway has joined.
    private var blockCapacity: Int {
        store.hasJoined(signer.gatewayID) ? maxBlockEntries : maxBlockEntries - 1
    }

    /// Seals blocks while entries wait.
    private func runSealer() async {
        while waitingCount > 0 {
            if waitingCount < blockCapacity, finishedTotal >= urgentUntil, let oldest = waiting.first?.arrival {
                let deadline = oldest + maxBlockDelay
                if ContinuousClock.now < deadline {
                    let sleep = Task { _ = try? await Task.sleep(until: deadline, clock: .continuous) }
                    sleeper = sleep
                    await sleep.value
                    sleeper = nil
                    continue
                }
            }
            await sealOneBlock()
        }
        sealerRunning = false
        resumeFlushWaiters()
    }

    /// Takes up to a block's worth of waiting entries, seals and commits them off the actor,
    /// and answers the requests it completes (or fails).
    private func sealOneBlock() async {
        var batch: [(request: Request, range: Range<Int>)] = []
        var entries: [PendingEntry] = []
        let capacity = blockCapacity
        while entries.count < capacity, let request = waiting.first {
            let count = min(request.entries.count - request.taken, capacity - entries.count)
            let range = request.taken ..< request.taken + count
            entries.append(contentsOf: request.entries[range])
            batch.append((request, range))
            request.taken += count
            if request.taken == request.entries.count { waiting.removeFirst() }
        }
        waitingCount -= entries.count
        do {
            let block = try await commit(entries)
            // The callers' entries are the block's last ones (a membership entry may lead).
            var index = Int(block.entries.count - entries.count)
            for (request, range) in batch {
                for _ in range {
                    request.receipts.append(EntryReceipt(index: block.entries[index].index, block: block.head.block))
                    index += 1
                }
                if request.receipts.count == request.entries.count {
                    request.finished = true
                    request.continuation.resume(returning: request.receipts)
                }
            }
        } catch {
            // Every request with an entry in the failed block fails, with what is left of it.
            for (request, _) in batch where !request.finished {
                request.finished = true
                if let position = waiting.firstIndex(where: { $0 === request }) {
                    waiting.remove(at: position)
                    let dropped = request.entries.count - request.taken
                    waitingCount -= dropped
                    finishedTotal += dropped
                }
                request.continuation.resume(throwing: error)
            }
        }
        finishedTotal += entries.count
        resumeFlushWaiters()
    }

    private nonisolated func commit(_ entries: [PendingEntry]) async throws -> LedgerBlock {
        let store = store, signer = signer, address = address
        return try await withCheckedThrowingContinuation { continuation in
            ioQueue.async {
                do {
                    continuation.resume(returning: try store.seal(entries, signer: signer,
                                                                  time: LedgerClock.nowMilliseconds(),
                                                                  joiningAt: address))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func resumeFlushWaiters() {
        let ready = flushWaiters.filter { $0.target <= finishedTotal }
        flushWaiters.removeAll { $0.target <= finishedTotal }
        for waiter in ready { waiter.continuation.resume() }
    }
}

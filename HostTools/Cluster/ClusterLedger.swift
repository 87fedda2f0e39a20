import Logging
import RampartEtcd
import RampartLedger

/// One gateway's part in the cluster's ledger: etcd orders the blocks, every gateway keeps and
/// verifies a full local copy (its `LedgerStore`), the same design as an ordering service
/// feeding peers that validate and commit.
///
/// - Writing: `record` puts entries in the store's durable queue and returns (so a gateway
///   keeps serving, and loses nothing, while etcd has no quorum). The flusher seals queued
///   entries into the next block and creates its key in etcd with a transaction that succeeds
///   only if no one else took that block number; then the block is appended locally, in the
///   same SQLite transaction that removes its entries from the queue. Losing the race means
///   catching up and sealing again on top.
/// - Following: a watch on the block keys; every new block is fetched in order, verified
///   (entry signatures and members, Merkle root, tree-head signature) and appended. A block
///   that does not verify is never applied: the gateway stops following and reports it.
/// - A crash between etcd's commit and the local append loses nothing and duplicates
///   nothing: on restart the block comes back through catch-up, and the queued entries it
///   holds are consumed with it.
/// - Peers' tree heads (`<prefix>/heads/<gateway>`) are compared with the local tree at
///   their size: a gateway whose copy was rewritten is caught by its peers (`forks`).
public actor ClusterLedger: LedgerSink {
    /// Entries sealed into one block at most.
    public static let maxBlockEntries = 1024
    /// Blocks fetched per etcd range request during catch-up.
    static let catchUpPage = 64
    /// Idle wait of the flusher between looks at the queue.
    static let flushPollInterval = Duration.milliseconds(5)
    static let firstRetryDelay = Duration.milliseconds(50)
    static let maxRetryDelay = Duration.seconds(2)

    public nonisolated let store: LedgerStore
    private let signer: LedgerSigner
    private let etcd: EtcdClient
    private let keys: ClusterKeys
    private let address: String
    private let logger: Logger
    private var tasks: [Task<Void, Never>] = []
    private var problems: [LedgerProblem] = []
    private var halted = false
    /// Test hook: called after a block is committed to etcd and before it is appended locally.
    /// Throwing there simulates the process dying at the worst moment: this object stops
    /// (no more sealing, following or catching up), as a dead process would.
    private var afterEtcdCommit: (@Sendable (LedgerBlock) throws -> Void)?
    private var crashed = false

    public init(store: LedgerStore, signer: LedgerSigner, etcd: EtcdClient, keys: ClusterKeys, address: String,
                logger: Logger) {
        self.store = store
        self.signer = signer
        self.etcd = etcd
        self.keys = keys
        self.address = address
        self.logger = logger
    }

    /// Catches up (if etcd answers) and starts the flusher, the block follower and the head
    /// checker. Never fails for lack of etcd: the loops retry until it answers.
    public func start() async {
        do { try await catchUp() } catch {
            logger.warning("cluster ledger: etcd unreachable at start; serving from the local copy and retrying",
                           metadata: ["error": "\(error)"])
        }
        tasks = [
            Task { [weak self] in await self?.flushLoop() },
            Task { [weak self] in await self?.followLoop() },
            Task { [weak self] in await self?.headLoop() },
        ]
    }

    public func stop() async {
        let running = tasks
        tasks = []
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// Durable in the local queue when it returns; sealed into a block when etcd answers.
    public nonisolated func record(_ entries: [PendingEntry]) async throws {
        _ = try store.enqueue(entries)
    }

    /// Tree heads from peers that disagree with the local copy, and blocks from etcd that did
    /// not verify, in the order they were found.
    public var detectedProblems: [LedgerProblem] { problems }

    /// Entries waiting for etcd.
    public nonisolated func queuedEntryCount() throws -> Int {
        try store.pendingCount()
    }

    public func setAfterEtcdCommit(_ hook: (@Sendable (LedgerBlock) throws -> Void)?) {
        afterEtcdCommit = hook
    }

    /// Seals the queue into blocks until it is empty (or etcd fails). For tests and shutdown.
    public func flush() async throws {
        while try await flushOnce() {}
    }

    // MARK: Writing

    /// Seals one block from the queue and orders it through etcd. Returns false when the
    /// queue was empty.
    func flushOnce() async throws -> Bool {
        guard !halted else { throw ClusterLedgerError.halted(problems.last?.description ?? "") }
        guard !crashed else { throw CancellationError() }
        let queued = try store.pending(limit: Self.maxBlockEntries)
        let isMember = store.members()[signer.gatewayID] != nil
        // Joining is an entry too: a new gateway's first block introduces its key, even
        // before it has anything else to record.
        if queued.isEmpty && isMember { return false }
        var entries = queued.map(\.entry)
        let now = LedgerClock.nowMilliseconds()
        if !isMember {
            entries.insert(membershipEntry(time: now), at: 0)
        }
        let block = try store.makeBlock(entries, signer: signer, time: now)
        let key = keys.block(block.head.block)
        // With the crash hook set, nothing else touches the store while the transaction is in
        // flight (the follower would otherwise apply this very block as soon as etcd commits
        // it, before the "crash"): a dead process's follower is dead too.
        let hook = afterEtcdCommit
        if hook != nil { crashed = true }
        let result: EtcdTxnResult
        do {
            result = try await etcd.txn(compare: [.createRevision(key: key, equals: 0)],
                                        success: [.put(key: key, value: block.encoded)])
        } catch {
            if hook != nil { crashed = false }
            throw error
        }
        guard result.succeeded else {
            if hook != nil { crashed = false }
            // Another gateway sealed this number first: apply theirs, then seal on top.
            try await catchUp()
            return true
        }
        if let hook {
            try hook(block)
            crashed = false
        }
        try store.append(block, consumingPending: queued.map(\.id))
        return true
    }

    private func membershipEntry(time: UInt64) -> PendingEntry {
        signer.membershipEntry(address: address, time: time)
    }

    /// What identifies a queued entry inside a sealed block: its type, time and body.
    private static func matchKey(_ type: EntryType, _ time: UInt64, _ body: CBORValue) -> [UInt8] {
        CBORValue.array([.unsigned(type.rawValue), .unsigned(time), body]).encoded()
    }

    private func flushLoop() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled && !crashed {
            do {
                if try await flushOnce() {
                    delay = Self.firstRetryDelay
                } else {
                    try? await Task.sleep(for: Self.flushPollInterval)
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("cluster ledger: sealing waits for etcd", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxRetryDelay)
                try? await catchUp()
            }
        }
    }

    // MARK: Following

    /// Applies every block etcd has beyond the local copy, in order.
    public func catchUp() async throws {
        guard !halted, !crashed else { return }
        while true {
            let next = store.blockCount
            let page = try await etcd.range(prefix: keys.blocks, fromKey: keys.block(next), limit: Self.catchUpPage)
            if page.kvs.isEmpty { return }
            for kv in page.kvs {
                guard let number = keys.blockNumber(kv.key) else { continue }
                guard number == store.blockCount else {
                    if number < store.blockCount { continue }
                    try halt(LedgerProblem(.block(store.blockCount),
                                           "etcd has block \(number) but not block \(store.blockCount): the cluster's log has a gap"))
                }
                try apply(kv.value, number: number)
            }
            if !page.more { return }
        }
    }

    private func apply(_ bytes: [UInt8], number: UInt64) throws {
        let block: LedgerBlock
        do {
            block = try LedgerBlock.decode(bytes)
        } catch {
            try halt(LedgerProblem(.block(number), "block in etcd does not decode: \(error)"))
        }
        guard block.head.block == number else {
            try halt(LedgerProblem(.block(number), "block stored under number \(number) says it is \(block.head.block)"))
        }
        // Our own block coming back after a crash between etcd's commit and the local append:
        // consume the queued entries it holds so they are not sealed twice.
        var consumed: [Int64] = []
        if block.head.gateway == signer.gatewayID {
            let queued = try store.pending(limit: Int.max)
            var remaining = Dictionary(grouping: queued, by: { Self.matchKey($0.entry.type, $0.entry.time, $0.entry.body) })
            for entry in block.entries where entry.type != .membership {
                let key = Self.matchKey(entry.type, entry.time, entry.body)
                if var matches = remaining[key], !matches.isEmpty {
                    consumed.append(matches.removeFirst().id)
                    remaining[key] = matches
                }
            }
        }
        do {
            try store.append(block, consumingPending: consumed)
        } catch {
            try halt(LedgerProblem(.block(number), "block from etcd refused: \(error)"))
        }
    }

    /// Stops applying and sealing: the local copy stays at the last good block.
    private func halt(_ problem: LedgerProblem) throws -> Never {
        if !halted {
            logger.critical("cluster ledger: stopped following etcd", metadata: ["problem": "\(problem)"])
        }
        halted = true
        problems.append(problem)
        throw ClusterLedgerError.halted(problem.description)
    }

    private func followLoop() async {
        var delay = Self.firstRetryDelay
        while !Task.isCancelled && !halted && !crashed {
            do {
                let start = try await etcd.range(prefix: keys.blocks, limit: 1)
                try await catchUp()
                for try await event in etcd.watch(prefix: keys.blocks, startRevision: start.revision + 1) {
                    if case .put = event { try await catchUp() }
                    delay = Self.firstRetryDelay
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, Self.maxRetryDelay)
            }
        }
    }

    // MARK: Peers' heads

    /// Publishes this gateway's head and checks the peers' against the local tree.
    private func headLoop() async {
        var published: TreeHead? = nil
        while !Task.isCancelled && !crashed {
            do {
                if let head = store.latestHead, head != published {
                    _ = try await etcd.put(keys.head(signer.gatewayID), value: head.encoded)
                    published = head
                }
                try await checkPeerHeads()
            } catch {
                if Task.isCancelled { return }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private var reportedHeads: Set<[UInt8]> = []

    /// Compares each peer's published head with the local tree at its size.
    public func checkPeerHeads() async throws {
        let heads = try await etcd.range(prefix: keys.heads)
        for kv in heads.kvs {
            guard let head = try? TreeHead.decode(kv.value), head.gateway != signer.gatewayID,
                  head.treeSize <= store.treeSize, !reportedHeads.contains(kv.value) else { continue }
            let local = try store.rootHash(treeSize: head.treeSize)
            if local != head.root {
                reportedHeads.insert(kv.value)
                let problem = LedgerProblem(.block(head.block),
                    "gateway \(head.gateway.hex) presents root \(head.root.hex) at tree size \(head.treeSize) "
                        + "(block \(head.block)); the cluster's log has \(local.hex): its history is forked")
                logger.critical("cluster ledger: forked history", metadata: ["problem": "\(problem)"])
                problems.append(problem)
            }
        }
    }

}

public enum ClusterLedgerError: Error, CustomStringConvertible {
    case halted(String)

    public var description: String {
        switch self {
        case .halted(let problem):
            "the cluster ledger stopped at a block that does not verify (\(problem)); run `rampart ledger verify` and compare with the other gateways"
        }
    }
}

import Logging
import RampartGateway
import Synchronization

/// The gateway's ledger subscriber: reads the event stream (its own bounded subscription, so the
/// I/O path never waits for the ledger), keeps each device's open session in memory, and writes
/// summaries to a `LedgerSink` in the background.
///
/// A summary that cannot be written (the disk is full, etcd is out of reach and the queue
/// failed) stays in memory and is retried with back-off; nothing is dropped while the process
/// lives. Stopping writes every open session as `open-at-shutdown` and flushes.
public final class LedgerRecorder: Sendable {
    /// Events buffered for the recorder before the bus starts dropping them for it (counted
    /// by `EventBus.dropped`). Generous: the recorder does a dictionary update per event.
    public static let subscriptionCapacity = 1 << 16
    /// How often the writer looks for summaries to write.
    static let pollInterval = Duration.milliseconds(10)
    /// Back-off after a failed write, doubling up to `maxRetryDelay`.
    static let firstRetryDelay = Duration.milliseconds(100)
    static let maxRetryDelay = Duration.seconds(5)

    private let state = Mutex(SessionLedgerState())
    private let sink: any LedgerSink
    private let logger: Logger
    private let tasks = Mutex<(consumer: Task<Void, Never>?, writer: Task<Void, Never>?)>((nil, nil))
    private let stopping = Atomic<Bool>(false)

    public init(sink: any LedgerSink, logger: Logger) {
        self.sink = sink
        self.logger = logger
    }

    /// Subscribes to `events` and starts writing.
    public func start(events: EventBus) {
        let stream = events.subscribe(capacity: Self.subscriptionCapacity)
        let consumer = Task.detached(name: "rampart-ledger-events") { [self] in
            for await event in stream {
                self.state.withLock { $0.observe(event) }
            }
        }
        let writer = Task.detached(name: "rampart-ledger-writer") { [self] in
            await self.writeUntilStopped()
        }
        tasks.withLock { $0 = (consumer, writer) }
    }

    /// Stops reading events, summarises what is open and writes everything still pending.
    public func stop() async {
        let (consumer, writer) = tasks.withLock { current in
            defer { current = (nil, nil) }
            return current
        }
        consumer?.cancel()
        _ = await consumer?.value
        stopping.store(true, ordering: .releasing)
        _ = await writer?.value
        let now = LedgerClock.nowMilliseconds()
        let remaining = state.withLock { state in
            state.closeAll(now: now)
            return state.takeReady()
        }
        guard !remaining.isEmpty else { return }
        do {
            try await sink.record(remaining)
        } catch {
            logger.error("ledger: summaries lost at shutdown", metadata: ["entries": "\(remaining.count)", "error": "\(error)"])
        }
    }

    /// Summaries of sessions that are open now (for tests and status).
    public var openSessions: Int { state.withLock { $0.openSessionCount } }

    private func writeUntilStopped() async {
        var retryDelay = Self.firstRetryDelay
        while !stopping.load(ordering: .acquiring) {
            let now = LedgerClock.nowMilliseconds()
            let batch = state.withLock { state in
                state.closeFailureWindows(now: now)
                return state.takeReady()
            }
            if batch.isEmpty {
                try? await Task.sleep(for: Self.pollInterval)
                continue
            }
            do {
                try await sink.record(batch)
                retryDelay = Self.firstRetryDelay
            } catch {
                state.withLock { $0.putBack(batch) }
                logger.error("ledger: could not write summaries; retrying",
                             metadata: ["entries": "\(batch.count)", "error": "\(error)", "retry_in": "\(retryDelay)"])
                try? await Task.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, Self.maxRetryDelay)
            }
        }
    }
}

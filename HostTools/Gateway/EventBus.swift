import Synchronization

/// Fans `GatewayEvent`s out to subscribers without ever blocking the publisher (the I/O
/// path): each subscriber has a bounded buffer; when it is full the event is dropped for
/// that subscriber and counted.
public final class EventBus: Sendable {
    private struct Subscriber {
        let id: Int
        let continuation: AsyncStream<GatewayEvent>.Continuation
    }

    private let subscribers = Mutex<(next: Int, list: [Subscriber])>((0, []))
    private let observers = Mutex<[@Sendable (GatewayEvent) -> Void]>([])
    private let droppedCount = Atomic<Int>(0)
    private let publishedCount = Atomic<Int>(0)

    public init() {}

    /// A new subscription holding at most `capacity` undelivered events.
    public func subscribe(capacity: Int = 4096) -> AsyncStream<GatewayEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: GatewayEvent.self,
                                                            bufferingPolicy: .bufferingOldest(max(1, capacity)))
        let id = subscribers.withLock { state in
            state.next += 1
            state.list.append(Subscriber(id: state.next, continuation: continuation))
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { state in state.list.removeAll { $0.id == id } }
        }
        return stream
    }

    /// Adds an observer called synchronously on the publisher's thread, for every event, in
    /// order. For deterministic single-threaded drivers — the attack lab's virtual time and
    /// tests — only: an observer runs inside the engine's call, so it must neither block nor
    /// call the engine (queue the event and act after the call returns).
    public func addObserver(_ observer: @escaping @Sendable (GatewayEvent) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Delivers `event` to every observer, and to every subscriber that has room; never waits.
    public func publish(_ event: GatewayEvent) {
        publishedCount.add(1, ordering: .relaxed)
        for observer in observers.withLock({ $0 }) { observer(event) }
        let list = subscribers.withLock { $0.list }
        for subscriber in list {
            if case .dropped = subscriber.continuation.yield(event) {
                droppedCount.add(1, ordering: .relaxed)
            }
        }
    }

    /// Events published since start.
    public var published: Int { publishedCount.load(ordering: .relaxed) }
    /// Deliveries dropped because a subscriber's buffer was full (one per subscriber per event).
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    public var subscriberCount: Int { subscribers.withLock { $0.list.count } }

    /// Ends every subscription (at shutdown).
    public func finish() {
        let list = subscribers.withLock { state in
            defer { state.list.removeAll() }
            return state.list
        }
        for subscriber in list { subscriber.continuation.finish() }
    }
}

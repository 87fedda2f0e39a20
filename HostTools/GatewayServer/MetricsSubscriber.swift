import RampartGateway

/// Feeds the gateway's event stream into `GatewayMetrics`: one subscription to the
/// `EventBus`, read by one task. The bus never waits for it; if this task falls behind by
/// more than `capacity` events the surplus is dropped and shows in
/// `rampart_events_dropped_total`.
public struct MetricsSubscriber: Sendable {
    public let metrics: GatewayMetrics

    public init(metrics: GatewayMetrics) {
        self.metrics = metrics
    }

    /// Subscribes now (so no event published after this call is missed) and counts events in
    /// a task until the bus finishes or the task is cancelled.
    public func start(events: EventBus, capacity: Int = 16_384) -> Task<Void, Never> {
        let stream = events.subscribe(capacity: capacity)
        let metrics = self.metrics
        return Task.detached(name: "rampart-metrics-subscriber") {
            for await event in stream {
                metrics.record(event)
            }
        }
    }
}

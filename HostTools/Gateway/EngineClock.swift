import Foundation

/// The engine's sense of time: monotonic seconds for timeouts, rates and idle eviction.
/// Tests inject a manual clock; the service uses `EngineClock.system`.
public struct EngineClock: Sendable {
    public let now: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// Seconds since this clock was made, from the monotonic clock.
    public static var system: EngineClock {
        let start = ContinuousClock.now
        return EngineClock {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
    }
}

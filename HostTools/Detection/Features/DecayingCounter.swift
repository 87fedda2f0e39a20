import Foundation

/// A count that fades exponentially with time constant `tau` seconds: in a steady stream of
/// r events per second it settles near r · tau. It gives a sliding window's count at any
/// instant in O(1) memory and time, which is what scoring on every event needs.
struct DecayingCounter: Sendable {
    let tau: Double
    private(set) var value: Double = 0
    private(set) var updated: Double = -.infinity

    init(tau: Double) {
        self.tau = tau
    }

    /// The count at `time` (never earlier than the last update).
    func value(at time: Double) -> Double {
        guard value > 0, time > updated else { return value }
        return value * exp(-(time - updated) / tau)
    }

    mutating func add(_ amount: Double = 1, at time: Double) {
        value = value(at: time) + amount
        updated = max(updated, time)
    }

    /// Keeps the larger of the faded value and `candidate` (a decaying peak).
    mutating func hold(_ candidate: Double, at time: Double) {
        value = max(value(at: time), candidate)
        updated = max(updated, time)
    }
}

/// An exponentially weighted mean and mean absolute deviation (weight `alpha` on the newest
/// sample). The first sample sets the mean.
struct EWMAStatistics: Sendable {
    let alpha: Double
    private(set) var mean: Double = 0
    private(set) var deviation: Double = 0
    private(set) var samples = 0

    init(alpha: Double) {
        self.alpha = alpha
    }

    mutating func add(_ sample: Double) {
        samples += 1
        guard samples > 1 else {
            mean = sample
            return
        }
        deviation += alpha * (abs(sample - mean) - deviation)
        mean += alpha * (sample - mean)
    }
}

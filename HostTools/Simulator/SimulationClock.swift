import NIOCore

/// The devices' monotonic clock: milliseconds since the simulation started, and back to the
/// event loops' deadlines.
struct SimulationClock: Sendable {
    let start: NIODeadline

    init(start: NIODeadline = .now()) {
        self.start = start
    }

    var nowMilliseconds: UInt64 {
        let elapsed = NIODeadline.now().uptimeNanoseconds &- start.uptimeNanoseconds
        return elapsed / 1_000_000
    }

    func deadline(milliseconds: UInt64) -> NIODeadline {
        let capped = min(milliseconds, UInt64(Int64.max / 1_000_000) - 1)
        return start + .milliseconds(Int64(capped))
    }
}

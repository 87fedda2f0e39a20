import Synchronization

/// The lab's time: seconds since the run began, advanced only by the event loop. The gateway
/// engine reads it through its `EngineClock`, the devices as milliseconds.
final class VirtualClock: Sendable {
    private let seconds = Mutex<Double>(0)

    var now: Double { seconds.withLock { $0 } }
    /// Rounded to the nearest millisecond: a wake-up scheduled for millisecond m (as m / 1000
    /// seconds) must read back as m, which rounding down does not guarantee.
    var milliseconds: UInt64 { UInt64((now * 1000).rounded()) }

    func advance(to time: Double) {
        seconds.withLock { $0 = max($0, time) }
    }
}

/// Pending work in time order (a binary min-heap; ties in the order they were scheduled).
struct Agenda {
    private struct Item {
        let time: Double
        let sequence: Int
        let work: () -> Void
    }

    private var heap: [Item] = []
    private var sequence = 0

    var isEmpty: Bool { heap.isEmpty }
    var nextTime: Double? { heap.first?.time }

    mutating func schedule(at time: Double, _ work: @escaping () -> Void) {
        sequence += 1
        heap.append(Item(time: time, sequence: sequence, work: work))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Double, work: () -> Void)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let item = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count, Self.before(heap[left], heap[first]) { first = left }
            if right < heap.count, Self.before(heap[right], heap[first]) { first = right }
            guard first != parent else { break }
            heap.swapAt(parent, first)
            parent = first
        }
        return (item.time, item.work)
    }

    private static func before(_ a: Item, _ b: Item) -> Bool {
        a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
    }
}

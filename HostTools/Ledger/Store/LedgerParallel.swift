import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Spreads independent per-entry work (Ed25519 signing at about 25 µs and verification at
/// about 67 µs an entry) over the machine's cores with `DispatchQueue.concurrentPerform`.
/// Small batches run inline: below `minimumChunk` items a thread hop costs more than it saves.
enum LedgerParallel {
    /// Online processors, read once.
    static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls `body` on disjoint ranges covering `0 ..< count`, in parallel when there is
    /// enough work. `body` must only touch its own range of any shared buffer.
    static func forEachChunk(count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        // A few chunks per core even out uneven work (membership entries, long bodies).
        let chunks = min(coreCount * 4, max(1, count / max(1, minimumChunk)))
        guard chunks > 1, coreCount > 1 else {
            body(0 ..< count)
            return
        }
        // concurrentPerform returns only when every iteration has, so `body` never outlives
        // this call; each iteration touches its own range.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value(chunk * count / chunks ..< (chunk + 1) * count / chunks)
            }
        }
    }

    /// `transform` of every element of `items`, computed in parallel, in order.
    static func map<Element, Result>(_ items: [Element], minimumChunk: Int,
                                     _ transform: (Element) -> Result) -> [Result] {
        var results = [Result?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { output in
            let output = output
            items.withUnsafeBufferPointer { input in
                forEachChunk(count: input.count, minimumChunk: minimumChunk) { range in
                    for offset in range { output[offset] = transform(input[offset]) }
                }
            }
        }
        return results.map { $0! }
    }

    /// The offset of the first `false` of `check` over `0 ..< count`, computed in parallel.
    static func firstFailure(count: Int, minimumChunk: Int, _ check: (Int) -> Bool) -> Int? {
        var passed = [Bool](repeating: true, count: count)
        passed.withUnsafeMutableBufferPointer { output in
            let output = output
            forEachChunk(count: count, minimumChunk: minimumChunk) { range in
                for offset in range { output[offset] = check(offset) }
            }
        }
        return passed.firstIndex(of: false)
    }
}

/// Hands a value to `concurrentPerform`'s iterations, which the caller has made safe to share
/// (disjoint ranges of a buffer, read-only inputs).
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}

import Foundation

/// Runs blocking work on a fresh thread so that it never occupies the cooperative pool.
func onDedicatedThread<T: Sendable>(named name: String, _ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.name = name
        thread.start()
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Just enough of the QEMU Machine Protocol to leave capabilities negotiation and to resume a
/// board started with `-S`.
///
/// QMP speaks one JSON object per line: a greeting, then a `{"return": …}` or `{"error": …}`
/// per command, with asynchronous `{"event": …}` lines interleaved.
enum QMPClient {
    /// Reads the greeting and runs `qmp_capabilities`, then each of `commands`; gives up at
    /// `deadline` or as soon as `core` reports QEMU gone. Blocking; call it off the
    /// cooperative pool.
    static func open(_ channel: ControlChannel, thenExecute commands: [String],
                     deadline: ContinuousClock.Instant, core: SessionCore) -> Result<Void, QEMURigError> {
        var session = LineReader(descriptor: channel.replies, deadline: deadline, core: core)
        guard case .success(let greeting) = session.nextLine(), greeting.contains("\"QMP\"") else {
            return .failure(.startupFailed(reason: "no QMP greeting", diagnostics: ""))
        }
        for command in ["qmp_capabilities"] + commands {
            let request = Array("{\"execute\": \"\(command)\"}\n".utf8)
            guard Descriptors.writeAll(request, to: channel.requests, isSocket: false,
                                       timeout: ContinuousClock.now.duration(to: deadline)).isSuccess else {
                return .failure(.startupFailed(reason: "cannot send QMP \(command)", diagnostics: ""))
            }
            while true {
                guard case .success(let reply) = session.nextLine() else {
                    return .failure(.startupFailed(reason: "no QMP reply to \(command)", diagnostics: ""))
                }
                if reply.contains("\"return\"") { break }
                if reply.contains("\"error\"") { return .failure(.startupFailed(reason: "QMP \(command) failed: \(reply)", diagnostics: "")) }
            }
        }
        return .success(())
    }

    private struct LineReader {
        let descriptor: Int32
        let deadline: ContinuousClock.Instant
        let core: SessionCore
        var pending: [UInt8] = []

        mutating func nextLine() -> Result<String, QEMURigError> {
            while true {
                if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    return .success(line)
                }
                guard pending.count < QEMURigLimits.qmpReplyBytesMax else {
                    return .failure(.startupFailed(reason: "QMP reply too long", diagnostics: ""))
                }
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else {
                    return .failure(.startupFailed(reason: "QMP timed out", diagnostics: ""))
                }
                guard !core.hasEnded else {
                    return .failure(.startupFailed(reason: "QEMU exited", diagnostics: ""))
                }
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = min(remaining.pollMilliseconds, QEMURigLimits.readerPollIntervalMilliseconds)
                guard poll(&poller, 1, milliseconds) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    pending += chunk[..<count]
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    return .failure(.startupFailed(reason: "QMP connection closed", diagnostics: ""))
                }
            }
        }
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Drains one descriptor on a dedicated thread into a session's captured stream.
///
/// Reads until end of file (pipe or socket closed), `EIO` (pty master closed), or, once QEMU
/// has been reaped, until the descriptor stays quiet for one poll interval — so a reader
/// always ends shortly after QEMU does, whoever else holds the other end.
enum StreamReader {
    static func start(_ descriptor: Int32, into stream: SessionCore.Stream, core: SessionCore, name: String) {
        Descriptors.setNonBlocking(descriptor)
        core.readerStarted()
        let thread = Thread {
            drain(descriptor, into: stream, core: core)
            core.readerFinished()
        }
        thread.name = "QEMURig \(name) reader"
        thread.start()
    }

    private static func drain(_ descriptor: Int32, into stream: SessionCore.Stream, core: SessionCore) {
        var buffer = [UInt8](repeating: 0, count: QEMURigLimits.readChunkBytes)
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, QEMURigLimits.readerPollIntervalMilliseconds)
            if ready == 0 {
                if core.hasEnded { return }
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                core.append(buffer[..<count], to: stream)
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                return
            }
        }
    }
}

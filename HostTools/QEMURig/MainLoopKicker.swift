import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Wakes QEMU's main loop while the board may have UART input waiting, so that input flows.
///
/// QEMU's main loop watches a UART's input only while the UART model says it can take a byte,
/// and re-asks only when the loop wakes for some other reason. QEMU 7.2's CMSDK APB UART (the
/// MPS2 boards) never wakes it — not when the firmware enables its receiver, not when it
/// empties its one-byte receive buffer — so input written while the buffer was full, or
/// before the receiver was on, can sit unread indefinitely. A QMP command is dispatched in the
/// main loop and so wakes it (QMP input itself is read on QEMU's monitor I/O thread, which
/// does not). Seen with `strace`: without kicks QEMU sometimes never reads stdin at all.
///
/// Where the rig writes the input itself (captured and socket UARTs) it kicks only while its
/// socket still holds bytes QEMU has not read. A pty's writer is another program, whose
/// pending bytes the rig cannot see, so a pty board is kicked continuously.
enum MainLoopKicker {
    /// A QMP command that changes nothing; its reply is discarded.
    private static let kick = Array("{\"execute\": \"query-status\"}\n".utf8)

    /// - Parameter pendingInput: the socket whose unread bytes mean input is waiting, or
    ///   `nil` to kick continuously.
    static func start(_ channel: ControlChannel, pendingInput: Int32?, core: SessionCore) {
        let interval = useconds_t(QEMURigLimits.mainLoopKickInterval / .microseconds(1))
        let thread = Thread {
            while !core.hasEnded {
                if pendingInput.map(hasUnreadBytes) ?? true {
                    _ = kick.withUnsafeBytes { write(channel.requests, $0.baseAddress, $0.count) }
                }
                channel.drainReplies()
                usleep(interval)
            }
        }
        thread.name = "QEMURig main-loop kicker"
        thread.start()
    }

    /// Whether a stream socket's peer has yet to read what was sent (`SIOCOUTQ`).
    private static func hasUnreadBytes(_ socket: Int32) -> Bool {
        var queued: Int32 = 0
        return ioctl(socket, UInt(TIOCOUTQ), &queued) == 0 && queued > 0
    }
}

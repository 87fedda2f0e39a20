import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// `rampart provision --watch`: waits for boards to appear (udev "add" events of the tty
/// subsystem that the selection matches) and hands each to `body`, until SIGINT or SIGTERM.
///
/// One board at a time, on the calling thread: events that arrive meanwhile wait in the
/// monitor's socket. A signal during a board's session lets that session finish (it is
/// bounded by its timeouts, and stopping mid-exchange would only leave the board to be
/// provisioned again), then the loop ends.
public enum BoardWatcher {
    /// Whether udevd runs here (its control socket exists). Without it (a container, a
    /// minimal chroot) the monitor opens but never reports a board.
    public static var udevDaemonIsRunning: Bool { access("/run/udev/control", F_OK) == 0 }

    /// Runs until a termination signal. `body` gets each matching board that appears.
    public static func run(selection: SerialDeviceSelection,
                           _ body: (SerialDevice) -> Void) throws(ProvisioningError) {
        let monitor = try UdevMonitor(subsystem: SerialDeviceDiscovery.subsystem)
        let stop = try StopSignals([SIGINT, SIGTERM])
        while true {
            var entries = [pollfd(fd: monitor.fileDescriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: stop.fileDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&entries, nfds_t(entries.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .udev("poll on the udev monitor failed: \(String(cString: strerror(errno)))")
            }
            if entries[1].revents != 0 { return }
            guard entries[0].revents != 0 else { continue }
            while let event = monitor.receive() {
                guard event.action == "add", selection.matches(event.device) else { continue }
                body(event.device)
            }
        }
    }
}

/// Termination signals turned into a readable descriptor (a self-pipe), so one `poll(2)`
/// waits for a board and for Ctrl-C. While it exists the signals do not kill the process;
/// dropping it restores their default action.
final class StopSignals {
    private let pipeDescriptors: [Int32]
    private var sources: [any DispatchSourceSignal] = []
    private let numbers: [Int32]

    var fileDescriptor: Int32 { pipeDescriptors[0] }

    init(_ numbers: [Int32]) throws(ProvisioningError) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw .udev("pipe failed: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        pipeDescriptors = descriptors
        self.numbers = numbers
        let writeEnd = descriptors[1]
        let queue = DispatchQueue(label: "rampart.provision.signals")
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                var byte: UInt8 = 1
                _ = write(writeEnd, &byte, 1)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        for number in numbers { signal(number, SIG_DFL) }
        for descriptor in pipeDescriptors { close(descriptor) }
    }
}

import Logging
import NIOCore
import NIOPosix
import RampartGateway
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One serial port carrying framed CoAP. The descriptor is handed to NIO (a pipe channel
/// owning it), so reads and writes run on an event loop like UDP's.
///
/// The first open must succeed (a misconfigured path is an error at start). If the port goes
/// away later — a USB board unplugged or reset, a QEMU board restarted — it is reopened every
/// `reopenDelay` until it is back or the gateway stops.
final class SerialTransport: Sendable {
    let path: String
    private let baudRate: Int
    private let group: MultiThreadedEventLoopGroup
    private let reopenDelay: TimeAmount
    private let makeHandler: @Sendable () -> SerialFrameHandler
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var channel: Channel?
        var stopped = false
        var reopenFailures = 0
    }

    init(port: GatewayConfiguration.SerialPortConfiguration, group: MultiThreadedEventLoopGroup, reopenDelay: TimeAmount,
         service: any DatagramService, maxDatagramBytes: Int, events: EventBus, metrics: GatewayMetrics, logger: Logger) {
        let path = port.path
        self.path = path
        self.baudRate = port.baudRate
        self.group = group
        self.reopenDelay = reopenDelay
        self.logger = logger
        self.makeHandler = {
            SerialFrameHandler(path: path, service: service, maxDatagramBytes: maxDatagramBytes, events: events,
                               metrics: metrics, logger: logger)
        }
    }

    /// Opens the port; throws if it cannot.
    func start() async throws {
        adopt(try await connect().get())
        logger.info("serial port open", metadata: ["port": "\(path)", "baud": "\(baudRate)"])
    }

    /// Closes the port and stops reopening it.
    func stop() async {
        let channel = state.withLock { state in
            state.stopped = true
            defer { state.channel = nil }
            return state.channel
        }
        try? await channel?.close()
    }

    private func connect() -> EventLoopFuture<Channel> {
        let loop = group.next()
        let descriptor: Int32
        do {
            descriptor = try SerialPort.open(path: path, baudRate: baudRate)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let makeHandler = self.makeHandler
        return NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: descriptor)
            .flatMapErrorThrowing { error in
                // On failure the descriptor is still ours.
                _ = close(descriptor)
                throw error
            }
    }

    private func adopt(_ channel: Channel) {
        let keep = state.withLock { state in
            guard !state.stopped else { return false }
            state.channel = channel
            state.reopenFailures = 0
            return true
        }
        guard keep else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in self.closed(channel) }
    }

    private func closed(_ channel: Channel) {
        let reopen = state.withLock { state in
            if state.channel === channel { state.channel = nil }
            return !state.stopped
        }
        guard reopen else { return }
        logger.warning("serial port closed; reopening it until it is back",
                       metadata: ["port": "\(path)", "retry_s": "\(reopenDelay.nanoseconds / 1_000_000_000)"])
        scheduleReopen()
    }

    private func scheduleReopen() {
        group.next().scheduleTask(in: reopenDelay) {
            guard !self.state.withLock({ $0.stopped }) else { return }
            self.connect().whenComplete { result in
                switch result {
                case .success(let channel):
                    self.adopt(channel)
                    self.logger.notice("serial port reopened", metadata: ["port": "\(self.path)"])
                case .failure(let error):
                    let (stopped, failures) = self.state.withLock { state in
                        state.reopenFailures += 1
                        return (state.stopped, state.reopenFailures)
                    }
                    guard !stopped else { return }
                    // Say it once at warning level; the retries that follow are routine.
                    self.logger.log(level: failures == 1 ? .warning : .debug, "serial port not back yet",
                                    metadata: ["port": "\(self.path)", "error": "\(error)"])
                    self.scheduleReopen()
                }
            }
        }
    }
}

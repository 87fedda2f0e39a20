import NIOCore
import RampartDevice
import RampartHostCrypto
import RampartProtocol

/// One simulated device: the firmware's `Device` (the boards' state machine) with
/// `HostCrypto` as its crypto provider, run by an event loop instead of a board's main loop.
///
/// Confined to `eventLoop`: every method runs there (checked with a precondition), so the
/// non-copyable device needs no lock — hence `@unchecked Sendable`, the usual SwiftNIO
/// arrangement for loop-bound state.
final class SimulatedDevice: @unchecked Sendable {
    typealias Application = Device<HostCrypto, SimulatedSensor>

    /// Polls in a row before yielding the loop to other devices (each poll that sends
    /// something may leave more to send).
    static let pollsPerTurn = 8

    let index: Int
    let kid: [UInt8]
    let eventLoop: any EventLoop
    private let clock: SimulationClock
    private let gateway: SocketAddress
    private var device: Application?
    private var channel: (any Channel)? = nil
    private var timer: Scheduled<Void>? = nil
    private var timerDeadline = UInt64.max
    private var buffer = [UInt8](repeating: 0, count: DeviceLimits.datagramByteCount)
    /// When the device's first poll is due (the ramp-up spreads these out).
    private let firstPollAt: UInt64
    private var handshakesSeen: UInt32 = 0
    /// Latency of every handshake that completed, in order.
    private(set) var handshakeLatencies: [UInt32] = []
    private(set) var sendFailures = 0
    private(set) var socketErrors = 0
    private var final: SimulatedDeviceOutcome? = nil

    /// Builds device `identity.index` with its derived static key; the key material in
    /// `identity` is the caller's to wipe.
    init(identity: SimulatedIdentity, gatewayCredential: EDHOCCredential, configuration: DeviceConfiguration,
         eventLoop: any EventLoop, clock: SimulationClock, gateway: SocketAddress, firstPollAt: UInt64,
         crypto: HostCrypto) throws(SimulatorError) {
        index = identity.index
        kid = identity.kid
        self.eventLoop = eventLoop
        self.clock = clock
        self.gateway = gateway
        self.firstPollAt = firstPollAt
        do {
            device = try Application(crypto: crypto, sensor: SimulatedSensor(deviceIndex: identity.index),
                                     staticKey: identity.staticKey(crypto: crypto), gatewayCredential: gatewayCredential,
                                     configuration: configuration, nowMilliseconds: firstPollAt)
        } catch let error as SimulatorError {
            throw error
        } catch {
            throw .invalidGatewayCredential("device \(identity.index): \(error)")
        }
    }

    /// A device dropped without `stop()` (a run that failed to start) still has its
    /// secrets wiped.
    deinit {
        if let running = device.take() { _ = running.shutdown() }
    }

    /// Starts the device on `channel` (its socket): the first poll at `firstPollAt`.
    func start(on channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        self.channel = channel
        schedule(at: firstPollAt)
    }

    /// A datagram from the gateway.
    func receive(_ datagram: [UInt8]) {
        eventLoop.preconditionInEventLoop()
        guard device != nil else { return }
        device?.receive(datagram.span, nowMilliseconds: clock.nowMilliseconds)
        turn()
    }

    /// Whether `datagram` answers this device's request in flight (shared sockets).
    func isExpecting(_ datagram: [UInt8]) -> Bool {
        eventLoop.preconditionInEventLoop()
        return device?.isExpecting(datagram.span) ?? false
    }

    func noteSocketError() {
        eventLoop.preconditionInEventLoop()
        socketErrors += 1
    }

    /// The device's state now (progress reports).
    func snapshot() -> SimulatedDeviceOutcome {
        eventLoop.preconditionInEventLoop()
        if let final { return final }
        let phase = device?.phase ?? .revoked
        let counters = device?.counters ?? DeviceCounters()
        return SimulatedDeviceOutcome(index: index, kid: kid, phase: phase, counters: counters,
                                      handshakeLatenciesMilliseconds: handshakeLatencies,
                                      sendFailures: sendFailures, socketErrors: socketErrors)
    }

    /// Ends the device: no more timers, its secrets wiped (`Device.shutdown`).
    func stop() -> SimulatedDeviceOutcome {
        eventLoop.preconditionInEventLoop()
        if let final { return final }
        timer?.cancel()
        timer = nil
        let phase = device?.phase ?? .revoked
        var counters = DeviceCounters()
        if let running = device.take() { counters = running.shutdown() }
        let outcome = SimulatedDeviceOutcome(index: index, kid: kid, phase: phase, counters: counters,
                                             handshakeLatenciesMilliseconds: handshakeLatencies,
                                             sendFailures: sendFailures, socketErrors: socketErrors)
        final = outcome
        return outcome
    }

    /// Polls until the device has nothing more to send now, then sleeps until it asks.
    private func turn() {
        guard device != nil, let channel else { return }
        for _ in 0..<Self.pollsPerTurn {
            let now = clock.nowMilliseconds
            var result = DevicePoll(datagramByteCount: 0, wakeAtMilliseconds: UInt64.max)
            do {
                var output = buffer.mutableSpan
                if let polled = device?.poll(nowMilliseconds: now, into: &output) { result = polled }
            }
            recordHandshakes()
            if result.datagramByteCount > 0 { send(result.datagramByteCount, on: channel) }
            if result.wakeAtMilliseconds > now {
                schedule(at: result.wakeAtMilliseconds)
                return
            }
        }
        // Still busy: let the loop serve other devices first.
        eventLoop.execute { self.turn() }
    }

    private func send(_ count: Int, on channel: any Channel) {
        var datagram = channel.allocator.buffer(capacity: count)
        datagram.writeBytes(buffer[0..<count])
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { _ in self.sendFailures += 1 }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: gateway, data: datagram), promise: promise)
    }

    private func recordHandshakes() {
        guard let counters = device?.counters, counters.handshakesSucceeded != handshakesSeen else { return }
        handshakesSeen = counters.handshakesSucceeded
        handshakeLatencies.append(counters.lastHandshakeLatencyMilliseconds)
    }

    /// One timer per device, at the earliest time it asked for.
    private func schedule(at wake: UInt64) {
        guard wake != UInt64.max else { return }
        if timer != nil && timerDeadline <= wake { return }
        timer?.cancel()
        timerDeadline = wake
        timer = eventLoop.scheduleTask(deadline: clock.deadline(milliseconds: wake)) {
            self.timer = nil
            self.timerDeadline = UInt64.max
            self.turn()
        }
    }
}

/// What one device did, at the end of a run (or so far, in a progress report).
public struct SimulatedDeviceOutcome: Sendable {
    public let index: Int
    public let kid: [UInt8]
    public let phase: DevicePhase
    public let counters: DeviceCounters
    public let handshakeLatenciesMilliseconds: [UInt32]
    public let sendFailures: Int
    public let socketErrors: Int
}

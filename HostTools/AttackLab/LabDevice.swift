import RampartDevice
import RampartGateway
import RampartHostCrypto
import RampartProtocol
import RampartSimulator

/// A device in the lab: the firmware's state machine (`Device`, as on the boards and in
/// `rampart sim`) with `HostCrypto`, woken by the lab's agenda instead of a board's timer.
/// A clone is a second `LabDevice` with the same identity at another address.
final class LabDevice {
    typealias Application = Device<HostCrypto, LabSensor>

    let index: Int
    let kid: [UInt8]
    /// Where its datagrams come from (its address; a reboot picks a new port).
    let source: PeerAddress
    private let world: LabWorld
    private var device: Application?
    private var buffer = [UInt8](repeating: 0, count: DeviceLimits.datagramByteCount)
    /// The one pending wake-up: a newer one supersedes it.
    private var wakeGeneration = 0
    private var wakeAt = Double.infinity

    init(identity: SimulatedIdentity, source: PeerAddress, world: LabWorld, configuration: DeviceConfiguration,
         sensor: LabSensor, crypto: HostCrypto) throws {
        index = identity.index
        kid = identity.kid
        self.source = source
        self.world = world
        let credentialBytes = world.gatewayCredential
        let gatewayCredential = try EDHOCCredential(ccs: credentialBytes.span)
        device = try Application(crypto: crypto, sensor: sensor, staticKey: identity.staticKey(crypto: crypto),
                                 gatewayCredential: gatewayCredential,
                                 configuration: configuration, nowMilliseconds: world.clock.milliseconds)
    }

    deinit {
        if let running = device.take() { _ = running.shutdown() }
    }

    var phase: DevicePhase? { device?.phase }

    func start(at time: Double) {
        world.listen(at: source) { [weak self] datagram in self?.receive(datagram) }
        wake(at: time)
    }

    /// Powers off: its secrets wiped, no more traffic.
    func stop() {
        world.listen(at: source, nil)
        wakeGeneration += 1
        if let running = device.take() { _ = running.shutdown() }
    }

    private func receive(_ datagram: [UInt8]) {
        guard device != nil else { return }
        device?.receive(datagram.span, nowMilliseconds: world.clock.milliseconds)
        turn()
    }

    private func turn() {
        guard device != nil else { return }
        for _ in 0..<8 {
            let now = world.clock.milliseconds
            var result = DevicePoll(datagramByteCount: 0, wakeAtMilliseconds: .max)
            do {
                var output = buffer.mutableSpan
                if let polled = device?.poll(nowMilliseconds: now, into: &output) { result = polled }
            }
            if result.datagramByteCount > 0 {
                world.send(Array(buffer[0..<result.datagramByteCount]), from: source) { [weak self] reply in
                    self?.receive(reply)
                }
            } else if result.wakeAtMilliseconds <= now {
                // Nothing to send yet it asks for "now": virtual time stands still while the
                // device runs, so let a millisecond pass (a board's clock would).
                wake(at: Double(now + 1) / 1000)
                return
            }
            if result.wakeAtMilliseconds > now {
                if result.wakeAtMilliseconds != .max { wake(at: Double(result.wakeAtMilliseconds) / 1000) }
                return
            }
        }
        wake(at: Double(world.clock.milliseconds + 1) / 1000)
    }

    private func wake(at time: Double) {
        if wakeAt <= time, wakeAt > world.now { return }
        wakeGeneration += 1
        wakeAt = time
        let generation = wakeGeneration
        world.schedule(at: time) { [weak self] in
            guard let self, self.wakeGeneration == generation else { return }
            self.wakeAt = .infinity
            self.turn()
        }
    }
}

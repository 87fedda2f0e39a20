import Foundation
import RampartDetection
import RampartDevice
import RampartGateway
import RampartHostCrypto
import RampartProtocol
import RampartSimulator

/// The lab's devices: identities from the seed (as `rampart sim` derives them), two kinds
/// of telemetry rate, random reboots (each on a new port), and the hooks attacks need
/// (a device's identity for a clone or a thief, a sensor that lies from a given time).
final class LabFleet {
    static let rampUpSeconds = 5.0
    static let rebootDowntimeSeconds = 5.0
    /// How long an outage lasts: uniform over this range.
    static let outageSeconds = 30.0...600.0

    let world: LabWorld
    let options: LabOptions
    let crypto: HostCrypto
    private var identities: [SimulatedIdentity] = []
    private var running: [Int: LabDevice] = [:]
    private var boots: [Int: Int] = [:]
    private var upSince: [Int: Double] = [:]
    private var poweredOff: Set<Int> = []
    /// Seconds devices were up, summed.
    private(set) var deviceSeconds = 0.0
    /// The addresses the devices themselves used, per kid (hex): not their attackers'.
    private(set) var legitimateSources: [String: Set<String>] = [:]
    private var random: SplitMix64
    private var outageRandom: SplitMix64
    /// Devices an attack targets: they get no outage (the attack alone shapes their traffic).
    var attackTargets: Set<Int> = []
    /// Devices whose sensor lies during this time (telemetry spoofing), in milliseconds.
    var spoofing: [Int: Range<UInt64>] = [:]

    init(world: LabWorld, options: LabOptions, crypto: HostCrypto) {
        self.world = world
        self.options = options
        self.crypto = crypto
        random = SplitMix64(seed: options.seed ^ 0x7265_626F_6F74)
        outageRandom = SplitMix64(seed: options.seed ^ 0x6F75_7461_6765)
    }

    deinit {
        for i in identities.indices { identities[i].wipe() }
    }

    func kid(of index: Int) -> [UInt8] { identities[index].kid }
    func identity(of index: Int) -> SimulatedIdentity { identities[index] }
    func source(of index: Int) -> PeerAddress { running[index]?.source ?? AttackLab.deviceSource(index, boot: boots[index] ?? 0) }

    func configuration(index: Int) -> DeviceConfiguration {
        SimulatorOptions.simulatedDevice(readingsPerSecond: 1 / AttackLab.telemetryInterval(index: index),
                                         rekeyIntervalSeconds: DevicePolicy.default.rekeyIntervalSeconds)
    }

    func startAll() throws {
        do {
            for index in 0..<options.devices {
                identities.append(try SimulatedIdentity(index: index, seed: options.seed, suite: 0, crypto: crypto))
            }
        } catch {
            throw LabError.setup("cannot derive device keys: \(error)")
        }
        for index in 0..<options.devices {
            let at = Self.rampUpSeconds * Double(index) / Double(options.devices)
            world.schedule(at: at) { [self] in boot(index) }
            scheduleReboot(index, after: at)
            scheduleOutage(index, after: at)
        }
    }

    /// A device of the fleet with `identity`'s keys at `source` (a clone uses another index's identity).
    func makeDevice(identity index: Int, source: PeerAddress, spoofing: Range<UInt64> = 0..<0) throws -> LabDevice {
        do {
            return try LabDevice(identity: identities[index], source: source, world: world,
                                 configuration: configuration(index: index),
                                 sensor: LabSensor(deviceIndex: index, seed: options.seed, spoofing: spoofing),
                                 crypto: crypto)
        } catch {
            throw LabError.setup("device \(index): \(error)")
        }
    }

    private func boot(_ index: Int) {
        guard !poweredOff.contains(index), running[index] == nil else { return }
        let source = AttackLab.deviceSource(index, boot: boots[index, default: 0])
        guard let device = try? makeDevice(identity: index, source: source,
                                           spoofing: spoofing[index] ?? 0..<0) else { return }
        running[index] = device
        upSince[index] = world.now
        legitimateSources[AttackLab.hex(identities[index].kid), default: []].insert(source.description)
        device.start(at: world.now)
    }

    private func shutDown(_ index: Int) {
        guard let device = running.removeValue(forKey: index) else { return }
        device.stop()
        if let since = upSince.removeValue(forKey: index) { deviceSeconds += world.now - since }
    }

    /// Reboots at exponentially distributed times; back after `rebootDowntimeSeconds` on a new port.
    private func scheduleReboot(_ index: Int, after time: Double) {
        let wait = -log(max(1e-12, random.nextUnit())) * options.meanSecondsBetweenReboots
        let at = time + wait
        guard at < options.durationSeconds else { return }
        world.schedule(at: at) { [self] in
            guard running[index] != nil else { return }
            shutDown(index)
            boots[index, default: 0] += 1
            world.schedule(at: world.now + Self.rebootDowntimeSeconds) { [self] in boot(index) }
            scheduleReboot(index, after: world.now + Self.rebootDowntimeSeconds)
        }
    }

    /// Network outages at exponentially distributed times: the device's address is cut off
    /// for a while, the device keeps running (retransmits, backs off, re-handshakes after).
    private func scheduleOutage(_ index: Int, after time: Double) {
        let wait = -log(max(1e-12, outageRandom.nextUnit())) * options.meanSecondsBetweenOutages
        let length = Self.outageSeconds.lowerBound
            + outageRandom.nextUnit() * (Self.outageSeconds.upperBound - Self.outageSeconds.lowerBound)
        let at = time + wait
        guard at < options.durationSeconds else { return }
        world.schedule(at: at) { [self] in
            defer { scheduleOutage(index, after: world.now + length) }
            guard !attackTargets.contains(index), let device = running[index] else { return }
            let address = device.source
            world.cutOff.insert(address)
            world.schedule(at: world.now + length) { [self] in world.cutOff.remove(address) }
        }
    }

    /// The device is gone for good (stolen): no more traffic from it.
    func powerOff(_ index: Int) {
        poweredOff.insert(index)
        shutDown(index)
    }

    func stopAll() {
        for index in Array(running.keys) { shutDown(index) }
    }
}

import Foundation
import RampartDetection
import RampartDevice
import RampartGateway
import RampartGatewayBench
import RampartHostCrypto
import RampartProtocol
import RampartSimulator

/// `rampart sim --scenario`: runs a fleet, the gateway and its detector, and the scenario's
/// attackers on virtual time (docs/detection.md §6), and records what happened next to the
/// ground truth.
public enum AttackLab {
    /// The lab's two kinds of device: chatty sensors and slow meters (the behaviour groups
    /// the detector should find).
    static func telemetryInterval(index: Int) -> Double { index % 3 == 0 ? 5 : 1 }
    /// Attackers' addresses are in TEST-NET-2 (RFC 5737); devices in 10/8.
    static func attackerSource(_ n: Int) -> PeerAddress { .udp(host: "198.51.100.\(n + 1)", port: 40_000 + n) }
    static func deviceSource(_ index: Int, boot: Int) -> PeerAddress {
        .udp(host: "10.0.\(index / 250).\(index % 250 + 1)", port: 50_000 + boot)
    }

    /// - Parameters:
    ///   - progress: the share of the run done, every simulated minute.
    ///   - eventTap: every event the gateway published, with its time (the benchmark replays them).
    public static func run(_ options: LabOptions, progress: ((Double) -> Void)? = nil,
                           eventTap: ((Double, GatewayEvent.Kind) -> Void)? = nil) throws -> LabRecord {
        try options.validate()
        let started = Date()
        let crypto: HostCrypto
        do { crypto = try HostCrypto() } catch { throw LabError.setup("libsodium: \(error)") }
        let records: [DeviceRecord]
        do {
            records = try SimulatedFleet.records(count: options.devices, seed: options.seed, suite: 0)
        } catch {
            throw LabError.setup("cannot derive the fleet: \(error)")
        }
        let directory = InMemoryDeviceDirectory(records)
        let detector = options.detection.map { Detector(configuration: $0, model: options.model) }
        let tally = RunTally()
        if options.featureSampleSeconds > 0, let detector {
            detector.sampleSeconds = options.featureSampleSeconds
            detector.sampleSink = { kid, time, vector, profile in
                tally.samples.append(LabRecord.FeatureSample(kid: hex(kid), time: time, vector: vector, profile: profile))
            }
        }
        let world: LabWorld
        do {
            world = try LabWorld(devices: directory, detector: detector, seed: options.seed,
                                 lossProbability: options.lossProbability, limits: GatewayConfiguration.EngineLimits())
        } catch {
            throw LabError.setup("the gateway engine: \(error)")
        }
        var record = LabRecord(scenario: options.scenario.name, seed: options.seed, devices: options.devices,
                               durationSeconds: options.durationSeconds)
        observe(world, into: tally, eventTap: eventTap)

        let fleet = LabFleet(world: world, options: options, crypto: crypto)
        var random = SplitMix64(seed: options.seed ^ 0x7461_7267_6574)
        let targets = Array((0..<options.devices).shuffled(using: &random).prefix(max(1, options.scenario.attacks.count)))
        // Attacks in a mix start 20 s apart, so each is seen on its own first.
        let starts = options.scenario.attacks.indices.map { options.attackStartSeconds + Double($0) * 20 }
        for (n, attack) in options.scenario.attacks.enumerated() where attack == .telemetrySpoofing {
            let end = min(options.durationSeconds, starts[n] + options.attackSeconds)
            fleet.spoofing[targets[n]] = UInt64(starts[n] * 1000)..<UInt64(end * 1000)
        }
        fleet.attackTargets = Set(targets.prefix(options.scenario.attacks.count))
        try fleet.startAll()
        for (n, attack) in options.scenario.attacks.enumerated() {
            record.labels.append(try LabAttacks.install(attack, number: n, target: targets[n], start: starts[n],
                                                        end: min(options.durationSeconds, starts[n] + options.attackSeconds),
                                                        fleet: fleet, world: world, crypto: crypto))
        }

        // Risk of the targets and two untouched devices, each second; feature samples.
        let watched = Array(Set(targets.prefix(options.scenario.attacks.count)
            + (0..<options.devices).filter { !targets.contains($0) }.prefix(2)))
        let watchedKids = watched.map { fleet.kid(of: $0) }
        var risk: [String: [Double]] = [:]
        var keyAge: [String: [Double]] = [:]
        var second = 1.0
        while second <= options.durationSeconds {
            world.run(until: second)
            if let detector {
                for kid in watchedKids {
                    risk[hex(kid), default: []].append(detector.risk(of: kid, at: second)?.risk ?? 0)
                    let session = (try? world.engine.deviceState(kid: kid))??.session
                    keyAge[hex(kid), default: []].append(session?.ageSeconds ?? -1)
                }
            }
            if second.truncatingRemainder(dividingBy: 60) == 0 { progress?(second / options.durationSeconds) }
            second += 1
        }
        world.run(until: options.durationSeconds)
        fleet.stopAll()
        tally.fill(&record)
        record.deviceSeconds = fleet.deviceSeconds
        record.legitimateSources = fleet.legitimateSources
        record.risk = risk
        record.keyAge = keyAge
        record.wallSeconds = Date().timeIntervalSince(started)
        return record
    }

    /// Copies what the evaluation needs out of the event and decision streams.
    private static func observe(_ world: LabWorld, into box: RunTally,
                                eventTap: ((Double, GatewayEvent.Kind) -> Void)?) {
        world.onEvent = { time, event in
            eventTap?(time, event)
            box.events += 1
            switch event {
            case .handshakeSucceeded(let kid, let source, _, _, _):
                box.handshakes += 1
                box.sessions[hex(kid), default: []].append(LabRecord.Session(time: time, source: source.description))
            case .oscoreAccepted(let kid, _, _, _, _):
                box.requests += 1
                let bucket = Int(time / LabRecord.goodputBucketSeconds)
                var counts = box.accepted[hex(kid)] ?? []
                if counts.count <= bucket { counts += [Int](repeating: 0, count: bucket - counts.count + 1) }
                counts[bucket] += 1
                box.accepted[hex(kid)] = counts
            default:
                break
            }
        }
        world.onDecision = { time, decision, applied in
            let subjectKind: String
            let subject: String
            let action: String
            switch decision.action {
            case .device(let gatewayAction, let kid):
                subjectKind = "device"
                subject = hex(kid)
                action = gatewayAction.rawValue
            case .blockSource(let source, _):
                subjectKind = "source"
                subject = source.description
                action = "block-source"
            }
            box.decisions.append(LabRecord.Verdict(
                time: time, subjectKind: subjectKind, subject: subject, target: decision.target.map(hex), action: action,
                cause: decision.cause.rawValue, reason: decision.reason, score: decision.evidence.score,
                evidence: decision.evidence.evidence, applied: applied))
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.hexString }
}

/// The run's tallies while it runs (the world's callbacks and the detector's sampler fill it).
final class RunTally {
    var events = 0
    var handshakes = 0
    var requests = 0
    var sessions: [String: [LabRecord.Session]] = [:]
    var accepted: [String: [Int]] = [:]
    var decisions: [LabRecord.Verdict] = []
    var samples: [LabRecord.FeatureSample] = []

    func fill(_ record: inout LabRecord) {
        record.events = events
        record.handshakes = handshakes
        record.requestsAccepted = requests
        record.sessions = sessions
        record.accepted = accepted
        record.decisions = decisions
        record.featureSamples = samples
    }
}

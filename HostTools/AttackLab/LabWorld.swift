import Logging
import RampartDetection
import RampartGateway
import RampartGatewayBench
import RampartHostCrypto
import RampartProtocol
import Synchronization

/// The attack lab's world (docs/detection.md §6): one gateway engine, its detector, devices
/// and attackers, and the network between them, all on virtual time in one thread. The
/// engine and the detector are the ones `rampart gateway` runs; only the clock and the
/// sockets are simulated. A run of an hour of a 40-device fleet takes seconds.
///
/// Not thread-safe, not Sendable: one task drives it from start to end.
final class LabWorld {
    /// One-way latency between any node and the gateway.
    static let latencySeconds = 0.005
    /// How often the engine and the detector tick.
    static let tickSeconds = 1.0

    let clock = VirtualClock()
    let engine: GatewayEngine
    let directory: InMemoryDeviceDirectory
    let gatewayCredential: [UInt8]
    let detector: Detector?
    /// Datagrams lost at random on each leg (clean networks lose some too).
    let lossProbability: Double
    private var agenda = Agenda()
    private var random: SplitMix64
    private let inbox = EventInbox()
    /// Rewrites or drops a device's datagrams on their way to the gateway (a relay on the
    /// path), keyed by the device's own address; the tap also picks the source the gateway sees.
    var upstreamTaps: [PeerAddress: (inout [UInt8]) -> PeerAddress?] = [:]
    /// Sees every datagram a device sends, before loss (an eavesdropper).
    var eavesdroppers: [(PeerAddress, [UInt8]) -> Void] = []
    /// Addresses whose network is down (an outage): nothing reaches them or leaves them.
    var cutOff: Set<PeerAddress> = []
    /// The nodes that take datagrams the gateway sends on its own (CoAP pings), by address.
    private var listeners: [PeerAddress: ([UInt8]) -> Void] = [:]
    /// Everything the gateway published, and every decision the detector made, in order.
    var onEvent: ((Double, GatewayEvent.Kind) -> Void)? = nil
    var onDecision: ((Double, Decision, Bool) -> Void)? = nil

    init(devices: InMemoryDeviceDirectory, detector: Detector?, seed: UInt64, lossProbability: Double,
         limits: GatewayConfiguration.EngineLimits) throws {
        let crypto = try HostCrypto()
        var gateway = try ClientIdentity.make(suite: .suite0, kid: [0x47], crypto: crypto)
        gatewayCredential = gateway.credential
        directory = devices
        let bus = EventBus()
        let inbox = self.inbox
        bus.addObserver { event in inbox.append(event.kind) }
        var engineLimits = limits
        engineLimits.suites = [0]
        let clock = self.clock
        engine = try GatewayEngine(configuration: engineLimits, keys: [gateway.keyMaterial], devices: devices,
                                   events: bus, logger: Logger(label: "rampart.lab", factory: { _ in SwiftLogNoOpLogHandler() }),
                                   clock: EngineClock { clock.now })
        gateway = ClientIdentity(privateKey: .zero, credential: gateway.credential, kid: gateway.kid, suite: .suite0)
        self.detector = detector
        self.lossProbability = lossProbability
        random = SplitMix64(seed: seed ^ 0x6C61_625F_6E65_74)
        scheduleTick(at: Self.tickSeconds)
    }

    var now: Double { clock.now }

    func schedule(at time: Double, _ work: @escaping () -> Void) {
        agenda.schedule(at: max(time, now), work)
    }

    /// Runs everything due before `end`.
    func run(until end: Double) {
        while let next = agenda.nextTime, next <= end, let item = agenda.pop() {
            clock.advance(to: item.time)
            item.work()
        }
        clock.advance(to: end)
    }

    /// A datagram from `source` to the gateway; the gateway's answer, if any, goes to `reply`.
    func send(_ datagram: [UInt8], from source: PeerAddress, reply: (([UInt8]) -> Void)?) {
        guard !cutOff.contains(source) else { return }
        for listen in eavesdroppers { listen(source, datagram) }
        guard !lost() else { return }
        schedule(at: now + Self.latencySeconds) { [self] in
            var bytes = datagram
            var seen = source
            if let tap = upstreamTaps[source] {
                guard let rewritten = tap(&bytes) else { return }
                seen = rewritten
            }
            let answer = engine.handle(bytes, from: seen)
            deliverOutbound()
            settle()
            guard let answer, let reply, !lost() else { return }
            schedule(at: now + Self.latencySeconds) { reply(answer) }
        }
    }

    /// A node at `address` takes what the gateway sends there unasked; nil when it leaves.
    func listen(at address: PeerAddress, _ receive: (([UInt8]) -> Void)?) {
        listeners[address] = receive
    }

    /// The gateway's own datagrams (pings) to whoever listens at their address, by the same
    /// lossy, delayed network.
    private func deliverOutbound() {
        for datagram in engine.takeOutbound() where !cutOff.contains(datagram.destination) && !lost() {
            schedule(at: now + Self.latencySeconds) { [self] in listeners[datagram.destination]?(datagram.bytes) }
        }
    }

    /// What an operator does (`rampart action`): applied at once, its events observed.
    func operatorAction(_ action: GatewayAction, kid: [UInt8], reason: String) {
        _ = try? engine.perform(action, kid: kid, reason: reason, evidence: nil)
        settle()
    }

    private func lost() -> Bool {
        lossProbability > 0 && random.nextUnit() < lossProbability
    }

    private func scheduleTick(at time: Double) {
        agenda.schedule(at: time) { [self] in
            engine.tick()
            settle()
            if let detector { apply(detector.tick(at: now)) }
            scheduleTick(at: time + Self.tickSeconds)
        }
    }

    /// Feeds the events of a call made outside the network (an attacker's direct exchange).
    func flush() {
        deliverOutbound()
        settle()
    }

    /// Feeds every pending event to the detector and applies its decisions, until the
    /// decisions' own events are consumed too.
    private func settle() {
        while true {
            let events = inbox.drain()
            guard !events.isEmpty else { return }
            for event in events {
                onEvent?(now, event)
                if let detector { apply(detector.observe(event, at: now)) }
            }
        }
    }

    private func apply(_ decisions: [Decision]) {
        for decision in decisions {
            var applied = true
            switch decision.action {
            case .device(let action, let kid):
                do {
                    _ = try engine.perform(action, kid: kid, reason: decision.reason, evidence: decision.evidence)
                } catch {
                    applied = false
                }
            case .blockSource(let source, let seconds):
                engine.block(source: source, seconds: seconds, reason: decision.reason, evidence: decision.evidence)
            }
            onDecision?(now, decision, applied)
        }
    }
}

/// Events the engine published during a call, collected by a bus observer (which must not
/// call back into the engine) and consumed once the call has returned.
final class EventInbox: Sendable {
    private let events = Mutex<[GatewayEvent.Kind]>([])

    func append(_ event: GatewayEvent.Kind) {
        events.withLock { $0.append(event) }
    }

    func drain() -> [GatewayEvent.Kind] {
        events.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
    }
}

import RampartDetection
import RampartGateway
import RampartGatewayBench
import RampartHostCrypto
import RampartProtocol

/// The attackers (docs/detection.md §6). Each works as its real counterpart would — from
/// what it can overhear, with the keys it has — and sends through the lab's network, so
/// the gateway and the detector see nothing a real attack would not show them.
enum LabAttacks {
    /// Installs `attack` on device `target` from `start` to `end`; returns its ground truth.
    static func install(_ attack: AttackClass, number: Int, target: Int, start: Double, end: Double,
                        fleet: LabFleet, world: LabWorld, crypto: HostCrypto) throws -> AttackLabel {
        let kid = fleet.kid(of: target)
        let attacker = AttackLab.attackerSource(number)
        var sources = [attacker.description]
        let targetSource = { fleet.source(of: target) }

        switch attack {
        case .replayMessage1:
            let recorder = Recorder(world: world, from: targetSource, keep: .message1)
            repeatEvery(3, from: start, to: end, world: world) {
                if let message1 = recorder.latest { world.send(message1, from: attacker, reply: nil) }
            }

        case .replayMessage3:
            // A routine re-key shortly before gives the device a second session, so the
            // first session's message_3 is stale when it is replayed.
            world.schedule(at: max(0, start - 30)) {
                world.operatorAction(.forceRekey, kid: kid, reason: "routine re-key")
            }
            let recorder = Recorder(world: world, from: targetSource, keep: .message3)
            repeatEvery(3, from: start, to: end, world: world) {
                if recorder.all.count >= 2, let stale = recorder.all.first { world.send(stale, from: attacker, reply: nil) }
            }

        case .replayOSCORE:
            let recorder = Recorder(world: world, from: targetSource, keep: .oscore)
            repeatEvery(2, from: start, to: end, world: world) {
                if let request = recorder.latest { world.send(request, from: attacker, reply: nil) }
            }

        case .mitmRelay:
            // From `start`, the device's datagrams reach the gateway through the relay, which
            // flips a bit in every OSCORE request (and passes the handshakes untouched).
            world.schedule(at: start) {
                let original = targetSource()
                world.upstreamTaps[original] = { bytes in
                    guard world.now < end else { return original }
                    if case .oscore = LabPacket(bytes) { bytes = LabPacket.altered(bytes) }
                    return attacker
                }
            }

        case .impersonation:
            // Its own key pair under the device's kid: ID_CRED_I names the kid, so the
            // gateway checks MAC_3 against the registered credential, and it fails.
            let claimed = try ClientIdentity.make(suite: .suite0, kid: kid, crypto: crypto)
            repeatEvery(3, from: start, to: end, world: world) {
                handshake(as: claimed, from: attacker, world: world)
            }

        case .stolenKey:
            // The device is stolen: it goes dark, the operator revokes it; the thief then
            // uses the key it extracted.
            world.schedule(at: max(0, start - 20)) {
                fleet.powerOff(target)
                world.operatorAction(.revokeRegistration, kid: kid, reason: "device reported stolen")
            }
            let original = fleet.identity(of: target)
            let stolen = ClientIdentity(privateKey: original.privateKey, credential: original.credential, kid: kid,
                                        suite: .suite0)
            repeatEvery(5, from: start, to: end, world: world) {
                handshake(as: stolen, from: attacker, world: world)
            }

        case .clone:
            let clone = try fleet.makeDevice(identity: target, source: attacker)
            world.schedule(at: start) { clone.start(at: world.now) }
            world.schedule(at: end) { clone.stop() }

        case .handshakeFlood:
            var pool: [[UInt8]] = []
            for _ in 0..<64 {
                let flooder = try ClientIdentity.make(suite: .suite0, kid: [0xEE], crypto: crypto)
                var client = try EngineClient(identity: flooder, gatewayCredential: world.gatewayCredential)
                var captured: [UInt8] = []
                _ = try? client.handshake { request in captured = request; return nil }
                pool.append(captured)
            }
            var next = 0
            repeatEvery(0.025, from: start, to: end, world: world) {
                world.send(pool[next % pool.count], from: attacker, reply: nil)
                next += 1
            }

        case .lowAndSlow:
            let recorder = Recorder(world: world, from: targetSource, keep: .oscore)
            var step = 40
            repeatEvery(10, from: start, to: end, world: world) {
                guard let request = recorder.latest, let forged = LabPacket.forged(request, step: step) else { return }
                step += 7
                world.send(forged, from: attacker, reply: nil)
            }

        case .telemetrySpoofing:
            // The device itself lies (its sensor was set up to at fleet creation); no other source.
            sources = []
        }
        return AttackLabel(attack: attack, target: AttackLab.hex(kid), sources: sources, start: start, end: end)
    }

    /// One EDHOC handshake as `identity` from `source`, straight to the gateway (the
    /// attacker's own timing; its messages still pass through the engine and the detector).
    private static func handshake(as identity: ClientIdentity, from source: PeerAddress, world: LabWorld) {
        guard var client = try? EngineClient(identity: identity, gatewayCredential: world.gatewayCredential) else { return }
        _ = try? client.handshake { request in world.exchange(request, from: source) }
    }

    private static func repeatEvery(_ period: Double, from start: Double, to end: Double, world: LabWorld,
                                    _ body: @escaping () -> Void) {
        func fire(_ time: Double) {
            guard time < end else { return }
            world.schedule(at: time) {
                body()
                fire(time + period)
            }
        }
        fire(start)
    }

    /// An eavesdropper on one device's uplink, keeping the datagrams of one kind.
    final class Recorder {
        enum Keep { case message1, message3, oscore }
        private(set) var all: [[UInt8]] = []
        var latest: [UInt8]? { all.last }

        init(world: LabWorld, from source: @escaping () -> PeerAddress, keep: Keep) {
            world.eavesdroppers.append { [weak self] sender, datagram in
                guard let self, sender == source() else { return }
                let kind = LabPacket(datagram)
                let wanted: Bool
                switch (keep, kind) {
                case (.message1, .message1), (.message3, .message3), (.oscore, .oscore): wanted = true
                default: wanted = false
                }
                guard wanted else { return }
                self.all.append(datagram)
                if self.all.count > 64 { self.all.remove(at: 1) }
            }
        }
    }
}

extension LabWorld {
    /// A datagram handled by the gateway at once, its answer returned (an attacker that
    /// needs the reply to go on, like an EDHOC initiator).
    func exchange(_ datagram: [UInt8], from source: PeerAddress) -> [UInt8]? {
        let answer = engine.handle(datagram, from: source)
        flush()
        return answer
    }
}

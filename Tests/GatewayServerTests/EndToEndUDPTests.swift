import Foundation
import NIOCore
import RampartGateway
import RampartGatewayServer
import RampartSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The simulator's devices (the firmware's state machine on the host) against the real
/// gateway over loopback UDP.
@Suite("End to end over UDP: simulated devices and the gateway", .serialized)
struct EndToEndUDPTests {
    @Test("every device completes EDHOC and its telemetry is acknowledged", arguments: [Int32(0), 2])
    func fleet(suite: Int32) async throws {
        try await withLiveGateway { gateway in
            let options = try gateway.fleetOptions(devices: 12, suite: suite, seconds: 3)
            let summary = try await Simulator.run(options, progressIntervalSeconds: 60)
            #expect(summary.handshakesSucceeded >= 12)
            #expect(summary.handshakesFailed == 0)
            #expect(summary.devicesConnected == 12)
            #expect(summary.telemetrySent >= 12)
            #expect(Double(summary.telemetryAcknowledged) >= 0.9 * Double(summary.telemetrySent))
            #expect(gateway.engine.sessionCount == 12)
        }
    }

    @Test("a forced re-key and a quarantine reach the devices; release lets the device back; others keep going")
    func actions() async throws {
        try await withLiveGateway { gateway in
            let options = try gateway.fleetOptions(devices: 6, suite: 0, seconds: 9)
            let rekeyed = try LiveGateway.kid(index: 0, suite: 0)
            let suspect = try LiveGateway.kid(index: 1, suite: 0)
            async let run = Simulator.run(options, progressIntervalSeconds: 60)
            #expect(await eventually(within: 5) { gateway.engine.sessionCount == 6 })
            let rekey = try gateway.engine.perform(.forceRekey, kid: rekeyed, reason: "e2e")
            #expect(rekey.sessionDropped)
            _ = try gateway.engine.perform(.quarantine, kid: suspect, reason: "e2e")
            // The re-keyed device is back on a new session within 2 s (the bound).
            #expect(await eventually(within: 2) { (try? gateway.engine.deviceState(kid: rekeyed)?.hasSession) == true })
            try await Task.sleep(for: .seconds(2))
            #expect(try gateway.engine.deviceState(kid: suspect)?.hasSession == false, "quarantined: no session")
            _ = try gateway.engine.perform(.release, kid: suspect, reason: "e2e")
            #expect(await eventually(within: 6) { (try? gateway.engine.deviceState(kid: suspect)?.hasSession) == true })
            let summary = try await run
            #expect(summary.rekeysForced >= 1)
            #expect(summary.quarantineEntries >= 1)
            #expect(summary.devicesConnected == 6)
            #expect(summary.handshakesSucceeded >= 8)
        }
    }

    @Test("after a gateway restart every device runs a new handshake; the registry is intact")
    func restart() async throws {
        try await withLiveGateway { gateway in
            let options = try gateway.fleetOptions(devices: 6, suite: 2, seconds: 8)
            async let run = Simulator.run(options, progressIntervalSeconds: 60)
            #expect(await eventually(within: 5) { gateway.engine.sessionCount == 6 })
            try await gateway.restart()
            #expect(gateway.engine.sessionCount == 0, "sessions do not survive a restart")
            #expect(try gateway.registry.list().count == 6)
            #expect(await eventually(within: 6) { gateway.engine.sessionCount == 6 })
            let summary = try await run
            #expect(summary.handshakesSucceeded >= 12)
            #expect(summary.devicesConnected == 6)
        }
    }

    @Test("a second device with the same key: the gateway pings the first one's address over UDP and the first answers")
    func cloneAnswersThePing() async throws {
        try await withLiveGateway { gateway in
            let original = try gateway.fleetOptions(devices: 1, suite: 0, seconds: 4)
            let kid = try LiveGateway.kid(index: 0, suite: 0)
            let log = EventSink()
            let subscription = gateway.events.subscribe(capacity: 1 << 16)
            let collector = Task { for await event in subscription { log.append(event.kind) } }
            async let first = Simulator.run(original, progressIntervalSeconds: 60)
            #expect(await eventually(within: 3) { gateway.engine.sessionCount == 1 })
            // The clone: the same seed, so the same key and kid, from its own socket.
            var cloneOptions = original
            cloneOptions.durationSeconds = 1.5
            let clone = try await Simulator.run(cloneOptions, progressIntervalSeconds: 60)
            #expect(clone.handshakesSucceeded >= 1)
            #expect(await eventually(within: 2) {
                log.all.contains { if case .previousPeerAnswered(let answered, _, _) = $0 { answered == kid } else { false } }
            })
            _ = try await first
            collector.cancel()
        }
    }

    @Test("a stream of malformed datagrams never stops the gateway; devices keep working and drops are counted")
    func malformedStream() async throws {
        var limits = GatewayConfiguration.EngineLimits()
        limits.perSourceRatePerSecond = 1e6
        limits.perSourceBurst = 1e6
        try await withLiveGateway(limits: limits) { gateway in
            let options = try gateway.fleetOptions(devices: 6, suite: 0, seconds: 5)
            let target = gateway.udpAddress
            let log = EventSink()
            let subscription = gateway.events.subscribe(capacity: 1 << 20)
            let collector = Task { for await event in subscription { log.append(event.kind) } }
            async let run = Simulator.run(options, progressIntervalSeconds: 60)
            let sent = try await Task.detached { try MalformedTraffic.send(count: 20_000, to: target) }.value
            let summary = try await run
            collector.cancel()
            #expect(sent == 20_000)
            #expect(summary.devicesConnected == 6)
            #expect(summary.handshakesFailed == 0)
            #expect(Double(summary.telemetryAcknowledged) >= 0.9 * Double(summary.telemetrySent))
            let drops = log.all.filter { if case .datagramDropped = $0 { true } else { false } }.count
            let rejected = log.all.filter {
                switch $0 {
                case .handshakeFailed, .oscoreRejected: true
                default: false
                }
            }.count
            #expect(drops + rejected > 1_000, "the malformed stream is counted (\(drops) dropped, \(rejected) rejected)")
            #expect(gateway.engine.sessionCount == 6)
        }
    }
}

/// Collects events in a test.
final class EventSink: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [GatewayEvent.Kind] = []
    func append(_ kind: GatewayEvent.Kind) { lock.lock(); events.append(kind); lock.unlock() }
    var all: [GatewayEvent.Kind] { lock.lock(); defer { lock.unlock() }; return events }
}

/// Hostile datagrams of every kind the issue names, from one UDP socket.
enum MalformedTraffic {
    static func send(count: Int, to address: SocketAddress) throws -> Int {
        let socket = try UDPTestSocket(receiveTimeoutMilliseconds: 1)
        let edhoc: [UInt8] = [0x42, 0x02, 0x00, 0x01, 0xAA, 0xBB, 0xBB, 0x2E, 0x77, 0x65, 0x6C, 0x6C, 0x2D, 0x6B,
                              0x6E, 0x6F, 0x77, 0x6E, 0x05, 0x65, 0x64, 0x68, 0x6F, 0x63, 0xFF, 0xF5]
        var generator = SystemRandomNumberGenerator()
        for i in 0..<count {
            var datagram: [UInt8]
            switch i % 5 {
            case 0: datagram = (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1: datagram = Array(edhoc.prefix(Int.random(in: 1..<edhoc.count, using: &generator)))
            case 2: datagram = edhoc + [0x03, 0x81, 0x9F, 0xFF, 0xC3]          // bad CBOR after `true`
            case 3: datagram = [0x40, 0x02, 0x00, 0x02, 0xEE, 0xFF, 0xFF, 0xDD, 0xFF, 0xFF]   // absurd option lengths
            default: datagram = [UInt8](repeating: 0x41, count: 2_000 + i % 500)                // oversized
            }
            try socket.send(datagram, to: address)
            if i % 500 == 0 { usleep(1_000) }
        }
        return count
    }
}

import Testing
import NIOCore
import NIOPosix
import RampartCrypto
import RampartDevice
import RampartGateway
import RampartHostCrypto
import RampartProtocol
@testable import RampartSimulator

/// `rampart sim`'s parts: the seed-derived fleet, the summary, the shared-socket demultiplexing
/// and the UDP plumbing (against the in-test gateway; simulator ↔ real gateway runs are the
/// gateway's end-to-end tests).
@Suite("Simulator")
struct SimulatorTests {
    @Test("device i of a seed is the same every time; kids are unique; credentials match keys", arguments: [Int32(0), 2])
    func deterministicFleet(suite: Int32) throws {
        let crypto = try HostCrypto()
        var first = try SimulatedIdentity(index: 7, seed: 42, suite: suite, crypto: crypto)
        var again = try SimulatedIdentity(index: 7, seed: 42, suite: suite, crypto: crypto)
        var otherSeed = try SimulatedIdentity(index: 7, seed: 43, suite: suite, crypto: crypto)
        #expect(first.kid == again.kid && first.credential == again.credential)
        #expect(bytes(first.privateKey) == bytes(again.privateKey))
        #expect(otherSeed.kid != first.kid && otherSeed.credential != first.credential)
        // The credential names the kid and holds the public key of the private key.
        let credential = try EDHOCCredential(ccs: first.credential.span)
        #expect(TestCoAP.array(credential.keyID.span) == first.kid)
        #expect(credential.suite.rawValue == suite)
        let key = try first.staticKey(crypto: crypto)
        key.destroy()
        first.wipe()
        again.wipe()
        otherSeed.wipe()
        #expect(bytes(first.privateKey).allSatisfy { $0 == 0 })

        let records = try SimulatedFleet.records(count: 500, seed: 42, suite: suite)
        #expect(Set(records.map(\.kid)).count == 500)
        #expect(records[7].kid == again.kid)
        #expect(records.allSatisfy { $0.suites == [suite] && $0.status == .active })
    }

    @Test("registering a fleet twice adds it once; a kid with another credential is refused")
    func registration() throws {
        let registry = InMemoryDeviceDirectory()
        let first = try SimulatedFleet.register(count: 20, seed: 5, suite: 0, into: registry)
        #expect(first.added == 20 && first.alreadyPresent == 0)
        let expected = try SimulatedFleet.records(count: 20, seed: 5, suite: 0)
        #expect(first.addedRecords.map(\.kid) == expected.map(\.kid), "the records added, for the ledger")
        let second = try SimulatedFleet.register(count: 25, seed: 5, suite: 0, into: registry)
        #expect(second.added == 5 && second.alreadyPresent == 20)
        #expect(second.addedRecords.count == 5, "only the new ones, for the ledger")
        #expect(registry.count == 25)
        // The other suite's fleet of the same seed has its own kids: both fit in one registry.
        let otherSuite = try SimulatedFleet.register(count: 3, seed: 5, suite: 2, into: registry)
        #expect(otherSuite.added == 3)
        // A kid already taken by another credential is an error, not silently accepted.
        let fleet = try SimulatedFleet.records(count: 2, seed: 6, suite: 0)
        try registry.add(DeviceRecord(kid: fleet[0].kid, credential: fleet[1].credential, suites: [0]))
        #expect(throws: SimulatorError.self) { try SimulatedFleet.register(count: 1, seed: 6, suite: 0, into: registry) }
    }

    @Test("latency percentiles are nearest-rank; the JSON is one flat object")
    func summary() {
        #expect(SimulationSummary.percentile([], 50) == nil)
        let values: [UInt32] = Array(1...100)
        #expect(SimulationSummary.percentile(values, 50) == 50)
        #expect(SimulationSummary.percentile(values, 99) == 99)
        #expect(SimulationSummary.percentile([7, 9], 50) == 7)
        #expect(SimulationSummary.percentile([7, 9], 90) == 9)
        let empty = SimulationSummary(outcomes: [], suite: 2, sockets: 0, readingsPerSecond: 1, durationSeconds: 1)
        #expect(empty.json.hasPrefix("{\"devices\": 0, "))
        #expect(empty.json.contains("\"handshake_p99_ms\": null"))
        #expect(!empty.json.dropFirst().contains("{"))
    }

    @Test("a datagram is claimed only by the device whose request it answers")
    func isExpecting() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice()
        var buffer = [UInt8](repeating: 0, count: DeviceLimits.datagramByteCount)
        let count: Int
        do {
            var span = buffer.mutableSpan
            count = device.poll(nowMilliseconds: 0, into: &span).datagramByteCount
        }
        let request = Array(buffer.prefix(count))
        let response = try #require(parties.gateway.handle(request))
        var wrongToken = response
        wrongToken[4] ^= 0xFF
        var wrongID = response
        wrongID[3] ^= 0xFF
        let expectsResponse = device.isExpecting(response.span)
        let expectsWrongToken = device.isExpecting(wrongToken.span)
        let expectsWrongID = device.isExpecting(wrongID.span)
        let expectsGarbage = device.isExpecting([UInt8](arrayLiteral: 0x01, 0x02).span)
        #expect(expectsResponse && !expectsWrongToken && !expectsWrongID && !expectsGarbage)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("over UDP: the simulated device handshakes, sends telemetry and re-keys on schedule")
    func overUDP() async throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: .suite0, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let record = try #require(try SimulatedFleet.records(count: 1, seed: 9, suite: 0).first)
        let deviceCredential = try EDHOCCredential(ccs: record.credential.span)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let gateway = try TestGateway(identity: gatewayIdentity, deviceCredential: deviceCredential,
                                                  supportedSuites: [0])
                    try channel.pipeline.syncOperations.addHandler(UDPTestGatewayHandler(gateway: gateway))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let options = SimulatorOptions(
            gateway: try SocketAddress(ipAddress: "127.0.0.1", port: port), gatewayCredential: gatewayIdentity.ccs,
            deviceCount: 1, readingsPerSecond: 20, durationSeconds: 1.6, suite: 0, seed: 9, rampUpSeconds: 0,
            threads: 1, rekeyIntervalSeconds: 1)
        let summary: SimulationSummary
        do {
            summary = try await Simulator.run(options)
        } catch {
            try? await server.close()
            try? await group.shutdownGracefully()
            throw error
        }
        try await server.close()
        try await group.shutdownGracefully()

        #expect(summary.devices == 1 && summary.sockets == 1)
        #expect(summary.handshakesSucceeded == 2 && summary.handshakesFailed == 0)
        #expect(summary.rekeysScheduled == 1)
        #expect(summary.telemetryAcknowledged >= 20)
        #expect(summary.telemetrySent - summary.telemetryAcknowledged <= 1)
        #expect(summary.handshakeLatencyP50Milliseconds != nil)
        let outcome = try #require(summary.outcomes.first)
        #expect(outcome.kid == record.kid)
        #expect(outcome.counters.secretsAllWiped)
    }
}

private func bytes(_ key: Bytes32) -> [UInt8] { (0..<key.count).map { key[$0] } }

/// The in-test gateway behind a UDP socket (confined to its channel's event loop).
final class UDPTestGatewayHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let gateway: TestGateway

    init(gateway: TestGateway) {
        self.gateway = gateway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let reply = gateway.handle(Array(envelope.data.readableBytesView)) else { return }
        let buffer = context.channel.allocator.buffer(bytes: reply)
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)),
                              promise: nil)
    }
}

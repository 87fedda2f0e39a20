import Foundation
import RampartGateway
import RampartGatewayBench
import RampartHostCrypto
import RampartProtocol
import Testing

/// A board on a serial port: EDHOC and OSCORE over framed CoAP through a pseudo-terminal,
/// the way a QEMU board's UART reaches the gateway.
@Suite("End to end over a serial port (pty pair)", .serialized)
struct EndToEndSerialTests {
    @Test("a device on a pty completes EDHOC, sends telemetry, and runs EDHOC again after a forced re-key")
    func serialDevice() async throws {
        let pty = try PseudoTerminalPair()
        try await withLiveGateway(serialPorts: [pty.slavePath]) { gateway in
            let identity = try ClientIdentity.make(suite: .suite2, kid: [0x5E, 0x41], crypto: HostCrypto())
            try gateway.registry.add(identity.record)
            var client = try EngineClient(identity: identity, gatewayCredential: try gateway.credential(suite: 2))
            // Line noise before the first frame: the decoder resynchronises.
            try pty.write([0x13, 0x37, 0x00, 0xFF, 0x00])
            let exchange: ([UInt8]) -> [UInt8]? = { request in
                guard let frame = try? serialFrame(request), (try? pty.write(frame)) != nil else { return nil }
                return pty.readFrames(count: 1, within: 5).first
            }
            var context = try client.handshake(send: exchange)
            #expect(gateway.engine.sessionCount == 1)
            for reading in UInt32(1)...3 {
                let reply = try #require(exchange(try client.telemetryRequest(&context, reading: reading)))
                #expect(reply.count > 4 && reply[1] == CoAPCode.changed.rawValue, "telemetry \(reading) accepted")
            }
            _ = try gateway.engine.perform(.forceRekey, kid: identity.kid, reason: "serial e2e")
            let refused = try #require(exchange(try client.telemetryRequest(&context, reading: 4)))
            #expect(refused[1] == CoAPCode.unauthorized.rawValue)
            context.wipe()
            var renewed = try client.handshake(send: exchange)
            let reply = try #require(exchange(try client.telemetryRequest(&renewed, reading: 5)))
            #expect(reply[1] == CoAPCode.changed.rawValue)
            renewed.wipe()
        }
    }
}

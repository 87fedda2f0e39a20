// libFuzzer target for the gateway engine's datagram entry point (HostTools/Gateway):
// arbitrary datagrams into `GatewayEngine.handle`, with a registered device, the limits
// opened up so every input reaches the protocol code, and housekeeping every 1,000 inputs.
import FuzzSupport
import Logging
import RampartGateway
import RampartHostCrypto
import RampartProtocol

@main enum Main {
    static func main() { fuzzMain("fuzz-gateway", GatewayFuzzer.run) }
}

enum GatewayFuzzer {
    nonisolated(unsafe) static var inputs = 0

    static let engine: GatewayEngine = {
        var limits = GatewayConfiguration.EngineLimits()
        limits.perSourceBurst = 1e12
        limits.perSourceRatePerSecond = 1e12
        limits.perSourceHandshakesPerSecond = 1e12
        limits.maxHalfOpenHandshakes = 256
        limits.echoThreshold = 128
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let crypto = try! HostCrypto()
        let keys = [key(suite: .suite0, kid: 0x0A, crypto: crypto), key(suite: .suite2, kid: 0x0B, crypto: crypto)]
        return try! GatewayEngine(configuration: limits, keys: keys, devices: InMemoryDeviceDirectory(),
                                  events: EventBus(), logger: logger)
    }()

    /// A static key pair with fixed scalars (the fuzzer needs no secrecy, only validity).
    static func key(suite: EDHOCCipherSuite, kid: UInt8, crypto: HostCrypto) -> GatewayKeyMaterial {
        var scalar = InlineArray<32, UInt8>(repeating: 0x11)
        scalar[0] = kid
        let x = suite == .suite0 ? crypto.x25519PublicKey(privateKey: scalar) : try! crypto.p256PublicKey(privateKey: scalar).x
        let y = suite == .suite0 ? nil : try! crypto.p256PublicKey(privateKey: scalar).y
        var ccs = [UInt8](repeating: 0, count: 160)
        var count = 0
        do {
            var writer = ByteWriter(ccs.mutableSpan)
            let subject = Array("fuzz".utf8), keyID: [UInt8] = [kid]
            try! EDHOCCredential.writeCCS(suite: suite, subject: subject.span, keyID: keyID.span, x: x, y: y, into: &writer)
            count = writer.count
        }
        return GatewayKeyMaterial(suite: suite.rawValue, privateKey: (0..<32).map { scalar[$0] }, credential: Array(ccs[0..<count]))
    }

    static func run(_ input: Span<UInt8>) {
        let datagram = (0..<input.count).map { input[$0] }
        if let reply = engine.handle(datagram, from: .udp(host: "127.0.0.1", port: 5684)) {
            fuzzInvariant((try? CoAPMessage(parsing: reply.span)) != nil, "the engine answered with a malformed CoAP message")
            fuzzInvariant(reply.count <= 1280, "a reply larger than any datagram the engine should send")
        }
        inputs += 1
        if inputs % 1000 == 0 { engine.tick() }
    }
}

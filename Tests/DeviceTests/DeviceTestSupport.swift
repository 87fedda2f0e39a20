// Test parties for the device state machine: keys and credentials, a sensor that records
// what it produced, and the clock-driven link that carries datagrams between the device and
// the in-test gateway (TestGateway.swift).
import Testing
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartProtocol

typealias TestDevice = Device<HostCrypto, TestSensor>

/// A static key pair with its CCS: the private key stays a value so each party can build
/// its own non-copyable `EDHOCStaticKey` from it.
struct TestIdentity: Sendable {
    let privateKey: Bytes32
    let credential: EDHOCCredential
    let ccs: [UInt8]

    init(suite: EDHOCCipherSuite, kid: [UInt8], subject: String, crypto: inout HostCrypto) throws {
        var key = Bytes32.zero
        var x = Bytes32.zero
        var y: Bytes32? = nil
        while true {
            var span = key.mutableSpan
            crypto.fillRandom(&span)
            if suite == .suite0 {
                x = crypto.x25519PublicKey(privateKey: key)
                break
            }
            if let point = try? crypto.p256PublicKey(privateKey: key) {
                x = point.x
                y = point.y
                break
            }
        }
        var buffer = [UInt8](repeating: 0, count: 160)
        var count = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            let subjectBytes = Array(subject.utf8)
            try EDHOCCredential.writeCCS(suite: suite, subject: subjectBytes.span, keyID: kid.span, x: x, y: y,
                                         into: &writer)
            count = writer.count
        }
        let encoded = Array(buffer.prefix(count))
        credential = try EDHOCCredential(ccs: encoded.span)
        ccs = encoded
        privateKey = key
    }

    func staticKey(_ crypto: HostCrypto) throws -> EDHOCStaticKey {
        try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: credential)
    }
}

/// Records every value it hands out, so a test can compare what arrived with what was sent.
final class SampleLog {
    var values: [Int32] = []
}

/// A deterministic waveform with negative and positive values (the CBOR int path both ways).
struct TestSensor: DeviceSensor {
    let log: SampleLog

    mutating func sampleQ16(nowMilliseconds: UInt64) -> Int32 {
        let value = Int32(log.values.count) * 40_000 - 3 * 65_536
        log.values.append(value)
        return value
    }
}

/// Short CoAP timers so a test's simulated minutes are a few thousand polls.
extension DeviceConfiguration {
    static func testing(telemetryIntervalMilliseconds: UInt32 = 1000, rekeyIntervalSeconds: UInt32 = 0,
                        quarantineBackOff: BackOffPolicy = BackOffPolicy(baseMilliseconds: 400, capMilliseconds: 3200),
                        rekeyAfterProtectedMessages: UInt32 = DeviceConfiguration.defaultRekeyAfterProtectedMessages)
        -> DeviceConfiguration {
        DeviceConfiguration(
            telemetryIntervalMilliseconds: telemetryIntervalMilliseconds, rekeyIntervalSeconds: rekeyIntervalSeconds,
            rekeyAfterProtectedMessages: rekeyAfterProtectedMessages,
            transmission: CoAPTransmissionParameters(ackTimeoutMilliseconds: 200, ackRandomFactorPerMille: 1500,
                                                     maxRetransmit: 4, separateResponseTimeoutMilliseconds: 1000),
            handshakeBackOff: BackOffPolicy(baseMilliseconds: 100, capMilliseconds: 1000),
            quarantineBackOff: quarantineBackOff,
            configurationBackOff: BackOffPolicy(baseMilliseconds: 5000, capMilliseconds: 20_000),
            maxEchoRetries: 2, defaultMaxAgeSeconds: 60)
    }
}

/// A device and the gateway it talks to, with their keys.
struct TestParties {
    let device: TestIdentity
    let gatewayIdentity: TestIdentity
    let gateway: TestGateway
    let samples = SampleLog()

    init(suite: EDHOCCipherSuite, gatewaySuites: [Int32]? = nil) throws {
        var crypto = try HostCrypto()
        device = try TestIdentity(suite: suite, kid: [0xD0, 0x00, 0x00, 0x01], subject: "device-1", crypto: &crypto)
        gatewayIdentity = try TestIdentity(suite: suite, kid: [0x6A], subject: "gateway", crypto: &crypto)
        gateway = try TestGateway(identity: gatewayIdentity, deviceCredential: device.credential,
                                  supportedSuites: gatewaySuites ?? [suite.rawValue])
    }

    func makeDevice(_ configuration: DeviceConfiguration = .testing(), now: UInt64 = 0) throws -> TestDevice {
        let crypto = try HostCrypto()
        return try TestDevice(crypto: crypto, sensor: TestSensor(log: samples), staticKey: device.staticKey(crypto),
                              gatewayCredential: gatewayIdentity.credential, configuration: configuration,
                              nowMilliseconds: now)
    }
}

/// One datagram the device sent, and when.
struct SentDatagram {
    let time: UInt64
    let bytes: [UInt8]
    /// Whether the link delivered it to the gateway.
    let delivered: Bool
}

/// Carries datagrams between a device and a `TestGateway` on a simulated clock: the device
/// is polled when it asks to be, requests reach the gateway after `delay`, its answers come
/// back after another `delay`. `dropRequest` / `dropResponse` lose chosen datagrams.
final class TestLink {
    var delayMilliseconds: UInt64 = 5
    var dropRequest: (SentDatagram) -> Bool = { _ in false }
    var dropResponse: ([UInt8]) -> Bool = { _ in false }
    /// Every datagram the device sent.
    private(set) var sent: [SentDatagram] = []
    /// The device's last requested wake-up.
    private(set) var lastWake: UInt64 = 0
    private var inbox: [(time: UInt64, bytes: [UInt8])] = []
    private(set) var now: UInt64 = 0

    /// Runs the device and the gateway until `end` (simulated milliseconds), or until
    /// `stop` says so after a step. Returns the time reached.
    @discardableResult
    func run(_ device: inout TestDevice, _ gateway: TestGateway, until end: UInt64,
             stop: (borrowing TestDevice) -> Bool = { _ in false }) -> UInt64 {
        var buffer = [UInt8](repeating: 0, count: DeviceLimits.datagramByteCount)
        var wake = now
        var steps = 0
        while steps < 200_000 {
            steps += 1
            while let first = inbox.first, first.time <= now {
                inbox.removeFirst()
                device.receive(first.bytes.span, nowMilliseconds: now)
                wake = now
            }
            if stop(device) { return now }
            if wake <= now {
                let output: DevicePoll
                do {
                    var span = buffer.mutableSpan
                    output = device.poll(nowMilliseconds: now, into: &span)
                }
                lastWake = output.wakeAtMilliseconds
                wake = output.wakeAtMilliseconds
                if output.datagramByteCount > 0 {
                    transmit(Array(buffer.prefix(output.datagramByteCount)), gateway)
                    wake = now
                    continue
                }
            }
            let next = min(wake, inbox.first?.time ?? UInt64.max)
            if next > end {
                now = end
                return now
            }
            now = max(now, next)
        }
        Issue.record("the device did not settle: \(steps) steps by t = \(now) ms")
        return now
    }

    private func transmit(_ bytes: [UInt8], _ gateway: TestGateway) {
        let probe = SentDatagram(time: now, bytes: bytes, delivered: true)
        let lost = dropRequest(probe)
        sent.append(SentDatagram(time: now, bytes: bytes, delivered: !lost))
        guard !lost, let response = gateway.handle(bytes), !dropResponse(response) else { return }
        deliver(response, at: now + 2 * delayMilliseconds)
        if let separate = gateway.takeSeparateResponse() {
            deliver(separate, at: now + 2 * delayMilliseconds + 1)
        }
    }

    private func deliver(_ bytes: [UInt8], at arrival: UInt64) {
        let index = inbox.firstIndex { $0.time > arrival } ?? inbox.count
        inbox.insert((arrival, bytes), at: index)
    }

    /// The datagrams sent that are EDHOC message_1 requests.
    var message1Requests: [SentDatagram] { sent.filter { TestCoAP.isMessage1Request($0.bytes) } }
    /// The datagrams sent that are OSCORE requests.
    var oscoreRequests: [SentDatagram] { sent.filter { TestCoAP.hasOption($0.bytes, .oscore) } }
}

/// Reading CoAP messages in tests.
enum TestCoAP {
    static func array(_ span: Span<UInt8>) -> [UInt8] { (0..<span.count).map { span[$0] } }

    static func isMessage1Request(_ bytes: [UInt8]) -> Bool {
        guard let message = try? CoAPMessage(parsing: bytes.span), EDHOCOverCoAP.isEDHOCRequest(message) else {
            return false
        }
        return message.payload.count > 0 && message.payload[0] == EDHOCOverCoAP.message1Prefix
    }

    static func hasOption(_ bytes: [UInt8], _ number: CoAPOptionNumber) -> Bool {
        guard let message = try? CoAPMessage(parsing: bytes.span) else { return false }
        return message.options.occurrences(of: number) > 0
    }

    static func option(_ bytes: [UInt8], _ number: CoAPOptionNumber) -> [UInt8]? {
        guard let message = try? CoAPMessage(parsing: bytes.span), let value = message.options.first(number) else {
            return nil
        }
        return array(value)
    }

    static func messageID(_ bytes: [UInt8]) -> UInt16 { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }

    static func payload(_ bytes: [UInt8]) -> [UInt8] {
        guard let message = try? CoAPMessage(parsing: bytes.span) else { return [] }
        return array(message.payload)
    }

    /// Writes a message through `body` into a fresh array.
    static func write(capacity: Int = 256, _ body: (inout ByteWriter) throws -> Void) rethrows -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var count = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try body(&writer)
            count = writer.count
        }
        return Array(buffer.prefix(count))
    }
}

extension DeviceCounters {
    /// Every context derived was wiped and every EDHOC state started has ended: what
    /// `Device.shutdown()` must leave behind.
    var secretsAllWiped: Bool {
        oscoreContextsDerived == oscoreContextsWiped && edhocSessionsStarted == edhocSessionsEnded
    }
}

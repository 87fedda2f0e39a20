import Testing
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartPlatform
import RampartProtocol

typealias TestApplication = DeviceApplication<HostCrypto, WaveformSensor<HMACDRBG>, TestFlash>

/// Carries frame payloads between a `DeviceApplication` and the host on one side (provisioning
/// messages, answered at once) and a `TestGateway` on the other (CoAP, `delay` each way), on a
/// simulated clock.
final class ApplicationLink {
    var delayMilliseconds: UInt64 = 5
    private(set) var now: UInt64 = 0
    private var inbox: [(time: UInt64, bytes: [UInt8])] = []
    /// CoAP datagrams the application sent.
    private(set) var datagrams: [[UInt8]] = []
    /// Provisioning payloads `poll` produced unasked while `run` drove the application.
    private(set) var strayAnswers = 0

    /// Hands `message` to the application and returns its answer: what the next poll writes.
    func send(_ message: ProvisioningMessage, to application: inout TestApplication) throws -> ProvisioningMessage? {
        let bytes = try TestProvisioning.encode(message)
        application.receive(bytes.span, nowMilliseconds: now)
        var buffer = [UInt8](repeating: 0, count: SerialFraming.maxPayloadByteCount)
        let output: DevicePoll
        do {
            var span = buffer.mutableSpan
            output = application.poll(nowMilliseconds: now, into: &span)
        }
        guard output.datagramByteCount > 0 else { return nil }
        let answer = Array(buffer.prefix(output.datagramByteCount))
        #expect(ProvisioningMessage.isProvisioning(firstByte: answer[0]))
        return try ProvisioningMessage(parsing: answer.span)
    }

    /// Runs the application against `gateway` until `end` (simulated ms).
    func run(_ application: inout TestApplication, _ gateway: TestGateway?, until end: UInt64) {
        var buffer = [UInt8](repeating: 0, count: SerialFraming.maxPayloadByteCount)
        var wake = now
        for _ in 0..<200_000 {
            while let first = inbox.first, first.time <= now {
                inbox.removeFirst()
                application.receive(first.bytes.span, nowMilliseconds: now)
                wake = now
            }
            if wake <= now {
                let output: DevicePoll
                do {
                    var span = buffer.mutableSpan
                    output = application.poll(nowMilliseconds: now, into: &span)
                }
                wake = output.wakeAtMilliseconds
                if output.datagramByteCount > 0 {
                    let bytes = Array(buffer.prefix(output.datagramByteCount))
                    if ProvisioningMessage.isProvisioning(firstByte: bytes[0]) {
                        strayAnswers += 1
                    } else {
                        datagrams.append(bytes)
                        if let response = gateway?.handle(bytes) {
                            inbox.append((now + 2 * delayMilliseconds, response))
                            inbox.sort { $0.time < $1.time }
                        }
                    }
                    wake = now
                    continue
                }
            }
            let next = min(wake, inbox.first?.time ?? UInt64.max)
            if next > end {
                now = end
                return
            }
            now = max(now, next)
        }
        Issue.record("the application did not settle by t = \(now) ms")
    }

    /// Lets the clock pass without polling (the application is idle or gone).
    func advance(to time: UInt64) { now = max(now, time) }
}

extension TestApplication {
    /// Polls once and returns the payload (tests of what an idle application sends).
    mutating func pollOnce(now: UInt64) -> (count: Int, wake: UInt64) {
        var buffer = [UInt8](repeating: 0, count: SerialFraming.maxPayloadByteCount)
        var span = buffer.mutableSpan
        let output = poll(nowMilliseconds: now, into: &span)
        return (output.datagramByteCount, output.wakeAtMilliseconds)
    }
}

@Suite("Device: the application (provisioning, then EDHOC and OSCORE)")
struct DeviceApplicationTests {
    typealias T = TestProvisioning

    static func sensor() -> WaveformSensor<HMACDRBG> {
        WaveformSensor(noise: HMACDRBG(entropy: [UInt8](repeating: 1, count: 32).span, nonce: [UInt8]().span,
                                       personalization: [UInt8]().span))
    }

    static func application(_ pages: TestFlashPages, now: UInt64 = 0) throws -> TestApplication {
        TestApplication(crypto: try HostCrypto(), sensor: sensor(), flash: TestFlash(pages),
                        firmwareVersion: "rampart-test 0.5", nowMilliseconds: now)
    }

    /// Short timers, as in the other device tests.
    static let policy = ProvisioningPolicy(telemetryIntervalMilliseconds: 1000, rekeyIntervalSeconds: 0,
                                           ackTimeoutMilliseconds: 200)

    /// The host's half of docs/provisioning.md's exchange: status, hello, provision. Returns
    /// the offer and CRED_I from `done`.
    static func provision(_ application: inout TestApplication, link: ApplicationLink, suite: EDHOCCipherSuite,
                          kid: [UInt8], gatewayCCS: [UInt8]) throws -> (offer: ProvisioningOffer, credential: [UInt8]) {
        guard case .statusReport(let report)? = try link.send(.status(nonce: T.nonce(0x10)), to: &application) else {
            throw TestFailure("no status-report")
        }
        #expect(!report.isProvisioned)
        let answer = try link.send(.hello(nonce: T.nonce(0x20), seed: T.bytes32(0x33), suite: suite.rawValue),
                                   to: &application)
        guard case .offer(let offer)? = answer else { throw TestFailure("no offer") }
        #expect(application.phase == .provisioning)
        let done = try link.send(.provision(nonce: T.nonce(0x20), keyID: try Host.kid(kid),
                                            gatewayCredential: try CredentialStorage(copying: gatewayCCS.span),
                                            policy: policy), to: &application)
        guard case .done(let nonce, let credential)? = done else { throw TestFailure("no done") }
        #expect(T.array(nonce) == T.array(T.nonce(0x20)))
        return (offer, credential.array)
    }

    @Test("unprovisioned → provisioned → EDHOC and OSCORE telemetry → factory reset → provisioned again",
          arguments: [EDHOCCipherSuite.suite0, .suite2])
    func lifecycle(suite: EDHOCCipherSuite) throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: suite, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let pages = TestFlashPages()
        var application = try Self.application(pages)
        #expect(application.phase == .unprovisioned)
        #expect(application.deviceID == nil && application.keyID == nil && application.recordSequence == nil)
        // Nothing to send, nothing to wait for; CoAP is not answered.
        #expect(application.pollOnce(now: 0) == (0, UInt64.max))
        application.receive([0x40, 0x01, 0x00, 0x01].span, nowMilliseconds: 0)
        #expect(application.pollOnce(now: 0) == (0, UInt64.max))

        let link = ApplicationLink()
        let (offer, credentialI) = try Self.provision(&application, link: link, suite: suite, kid: [0x2B],
                                                      gatewayCCS: gatewayIdentity.ccs)
        // The host's checks: CRED_I carries the offered key and the assigned kid.
        let credential = try EDHOCCredential(ccs: credentialI.span)
        #expect(T.array(credential.publicKey) == T.array(offer.x))
        #expect(TestCoAP.array(credential.keyID.span) == [0x2B])
        #expect(application.phase == .provisioned)
        #expect(application.keyID?.array == [0x2B])
        #expect(application.deviceID.map { T.array($0) } == T.array(offer.deviceID))
        #expect(application.recordSequence == 1)

        // The host registers CRED_I with the gateway; the device's first poll sends message_1.
        let gateway = try TestGateway(identity: gatewayIdentity, deviceCredential: credential,
                                      supportedSuites: [suite.rawValue])
        link.run(&application, gateway, until: 3_500)
        #expect(link.datagrams.first.map(TestCoAP.isMessage1Request) == true)
        #expect(application.phase == .connected)
        #expect(gateway.sessionsEstablished == 1)
        #expect(application.senderID?.array == gateway.sessionIDs.last)
        let counters = application.counters
        #expect(counters.handshakesSucceeded == 1 && counters.telemetryAcknowledged >= 3)
        // The policy's ACK_TIMEOUT is the device's.
        #expect(counters.retransmissionTimeoutMilliseconds == 200)
        // Readings in the sensor's band.
        #expect(gateway.readings.allSatisfy { $0.valueQ16 >= 15 * 65_536 && $0.valueQ16 <= 30 * 65_536 })

        // While it runs: status reports it, hello is refused, the session goes on.
        guard case .statusReport(let report)? = try link.send(.status(nonce: T.nonce(0x40)), to: &application) else {
            Issue.record("no status-report"); return
        }
        #expect(report.isProvisioned && report.sequence == 1 && report.credential.array == credentialI)
        #expect(report.keyID.array == [0x2B])
        #expect(Host.errorCode(try link.send(.hello(nonce: T.nonce(0x41), seed: T.bytes32(0), suite: suite.rawValue),
                                             to: &application)) == 1)
        let acknowledged = application.counters.telemetryAcknowledged
        link.run(&application, gateway, until: 6_000)
        #expect(application.counters.telemetryAcknowledged > acknowledged)
        #expect(link.strayAnswers == 0)

        // Factory reset: the wrong device-id is refused, the right one wipes everything.
        #expect(Host.errorCode(try link.send(.factoryReset(nonce: T.nonce(0x50), deviceID: DeviceIdentifier(repeating: 0)),
                                             to: &application)) == 7)
        #expect(application.phase == .connected)
        guard case .resetDone? = try link.send(.factoryReset(nonce: T.nonce(0x51), deviceID: offer.deviceID),
                                               to: &application) else {
            Issue.record("no reset-done"); return
        }
        #expect(application.phase == .unprovisioned)
        #expect(application.keyID == nil && application.senderID == nil && application.recordSequence == nil)
        #expect(application.counters == DeviceCounters())
        #expect(pages.isErased)
        let sent = link.datagrams.count
        link.run(&application, gateway, until: 9_000)
        #expect(link.datagrams.count == sent)

        // The crypto provider came back: the board can be provisioned again, with a new key.
        let again = try Self.provision(&application, link: link, suite: suite, kid: [0x2C], gatewayCCS: gatewayIdentity.ccs)
        #expect(T.array(again.offer.x) != T.array(offer.x))
        #expect(T.array(again.offer.deviceID) != T.array(offer.deviceID))
        #expect(application.recordSequence == 1)
        let final = application.shutdown()
        #expect(final.secretsAllWiped)
    }

    @Test("a reboot: a second application on the same flash comes up provisioned, with the same kid, and connects")
    func reboot() throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: .suite2, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let pages = TestFlashPages()
        var application = try Self.application(pages)
        let link = ApplicationLink()
        let (offer, credentialI) = try Self.provision(&application, link: link, suite: .suite2, kid: [0x01, 0x02, 0x03],
                                                      gatewayCCS: gatewayIdentity.ccs)
        let credential = try EDHOCCredential(ccs: credentialI.span)
        let gateway = try TestGateway(identity: gatewayIdentity, deviceCredential: credential, supportedSuites: [2])
        link.run(&application, gateway, until: 2_000)
        #expect(application.phase == .connected)
        let firstSession = application.senderID
        #expect(application.shutdown().secretsAllWiped)

        // Power comes back.
        link.advance(to: 10_000)
        var rebooted = try Self.application(pages, now: 10_000)
        #expect(rebooted.phase == .provisioned)
        #expect(rebooted.keyID?.array == [0x01, 0x02, 0x03])
        #expect(rebooted.deviceID.map { T.array($0) } == T.array(offer.deviceID))
        #expect(rebooted.recordSequence == 1)
        link.run(&rebooted, gateway, until: 12_000)
        #expect(rebooted.phase == .connected)
        #expect(gateway.sessionsEstablished == 2)
        #expect(rebooted.senderID != nil && rebooted.senderID?.array != firstSession?.array)
        #expect(rebooted.counters.telemetryAcknowledged >= 1)
        #expect(rebooted.shutdown().secretsAllWiped)
    }

    @Test("the board's two-step boot: unprovisioned until start(nowMilliseconds:), then as the one-step init")
    func twoStepBoot() throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: .suite0, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let pages = TestFlashPages()
        var application = try Self.application(pages)
        let link = ApplicationLink()
        let (offer, credentialI) = try Self.provision(&application, link: link, suite: .suite0, kid: [0x07],
                                                      gatewayCCS: gatewayIdentity.ccs)
        #expect(application.shutdown().secretsAllWiped)

        var rebooted = TestApplication(crypto: try HostCrypto(), sensor: Self.sensor(), flash: TestFlash(pages),
                                       firmwareVersion: "rampart-test 0.5")
        #expect(rebooted.phase == .unprovisioned)
        #expect(rebooted.keyID == nil)
        rebooted.start(nowMilliseconds: 10_000)
        #expect(rebooted.phase == .provisioned)
        #expect(rebooted.keyID?.array == [0x07])
        #expect(rebooted.deviceID.map { T.array($0) } == T.array(offer.deviceID))
        // A second start does nothing: the Device runs.
        rebooted.start(nowMilliseconds: 10_001)
        #expect(rebooted.recordSequence == 1)
        link.advance(to: 10_000)
        let gateway = try TestGateway(identity: gatewayIdentity,
                                      deviceCredential: try EDHOCCredential(ccs: credentialI.span),
                                      supportedSuites: [0])
        link.run(&rebooted, gateway, until: 12_000)
        #expect(rebooted.phase == .connected)
        #expect(rebooted.counters.telemetryAcknowledged >= 1)
        #expect(rebooted.shutdown().secretsAllWiped)
    }

    @Test("a record whose slot was torn at the next save: the board keeps its identity")
    func tornSecondSaveKeepsIdentity() throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: .suite0, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let pages = TestFlashPages()
        var application = try Self.application(pages)
        let link = ApplicationLink()
        let (offer, _) = try Self.provision(&application, link: link, suite: .suite0, kid: [0x09],
                                            gatewayCCS: gatewayIdentity.ccs)
        #expect(application.shutdown().secretsAllWiped)
        // A later save cut short (here: garbage written over the other slot).
        pages.pages[1] = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        pages.pages[1][0..<4] = [0x52, 0x50, 0x52, 0x31]
        var rebooted = try Self.application(pages)
        #expect(rebooted.phase == .provisioned)
        #expect(rebooted.deviceID.map { T.array($0) } == T.array(offer.deviceID))
        _ = rebooted.shutdown()
    }

    @Test("provisioning fails on storage: error 5 and the board stays unprovisioned, then succeeds")
    func storageFailure() throws {
        var crypto = try HostCrypto()
        let gatewayIdentity = try TestIdentity(suite: .suite0, kid: [0x6A], subject: "gateway", crypto: &crypto)
        let pages = TestFlashPages()
        var application = try Self.application(pages)
        let link = ApplicationLink()
        _ = try link.send(.hello(nonce: T.nonce(1), seed: T.bytes32(1), suite: 0), to: &application)
        let provision = ProvisioningMessage.provision(nonce: T.nonce(1), keyID: try Host.kid([5]),
                                                      gatewayCredential: try CredentialStorage(copying: gatewayIdentity.ccs.span),
                                                      policy: Self.policy)
        pages.writesFail = true
        #expect(Host.errorCode(try link.send(provision, to: &application)) == 5)
        #expect(application.phase == .provisioning)
        #expect(application.pollOnce(now: 0).count == 0)
        pages.writesFail = false
        guard case .done? = try link.send(provision, to: &application) else { Issue.record("no done"); return }
        #expect(application.phase == .provisioned)
        // The first poll after `done` is message_1.
        var buffer = [UInt8](repeating: 0, count: SerialFraming.maxPayloadByteCount)
        let output: DevicePoll
        do {
            var span = buffer.mutableSpan
            output = application.poll(nowMilliseconds: 0, into: &span)
        }
        #expect(TestCoAP.isMessage1Request(Array(buffer.prefix(output.datagramByteCount))))
        #expect(application.shutdown().secretsAllWiped)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

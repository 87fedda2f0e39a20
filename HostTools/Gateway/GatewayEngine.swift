import Logging
import RampartCrypto
import RampartHostCrypto
import RampartProtocol
import Synchronization

/// The gateway's protocol engine, without I/O: one CoAP datagram in, at most one out.
///
/// - EDHOC Responder over CoAP (RFC 9528 Appendix A.2) with admission control: per-source
///   rate limits, a bounded half-open table, and Echo challenges (RFC 9175) above a
///   threshold, checked before any Diffie-Hellman work.
/// - OSCORE server (RFC 8613) for `POST /t` telemetry, one session per device, keyed by
///   C_R (the device's Sender ID), with idle eviction.
/// - Response actions (`ResponseActions`) and one event stream (`EventBus`).
///
/// Thread-safe: the transports call `handle` from several threads at once. Handshake
/// cryptography runs outside every lock; a request's OSCORE work runs under its session
/// shard's lock.
public final class GatewayEngine: DatagramService, ResponseActions, GatewayGauges {
    let limits: GatewayConfiguration.EngineLimits
    let devices: any DeviceDirectory
    let events: EventBus
    let logger: Logger
    let clock: EngineClock
    let crypto: HostCrypto
    let staticKeys: [Int32: StaticKeyBox]
    let supportedSuites: EDHOCSuites
    let sessions = SessionTable()
    let halfOpen: HalfOpenTable
    let echo: EchoChallenge
    let datagramLimiter: TokenBucketLimiter
    let handshakeLimiter: TokenBucketLimiter
    let blockedSources = SourceBlockList()
    let pings = PreviousPeerPings()
    /// Message IDs for non-confirmable responses.
    let nextMessageID = Atomic<UInt16>(UInt16.random(in: .min ... .max))

    /// - Parameters:
    ///   - keys: the gateway's static keys (`GatewayKeyStore.loadOrCreate`); one per suite
    ///     in `configuration.suites` is required. They are wiped here once loaded.
    public init(configuration: GatewayConfiguration.EngineLimits, keys: [GatewayKeyMaterial],
                devices: any DeviceDirectory, events: EventBus, logger: Logger,
                clock: EngineClock = .system) throws {
        let crypto = try HostCrypto()
        var keys = keys
        defer { for i in keys.indices { keys[i].wipe() } }
        var boxes: [Int32: StaticKeyBox] = [:]
        var suites = EDHOCSuites()
        for suite in configuration.suites {
            guard EDHOCCipherSuite(rawValue: suite) != nil else { throw GatewayEngineError.unsupportedSuite(suite) }
            guard let material = keys.first(where: { $0.suite == suite }) else { throw GatewayEngineError.missingKey(suite) }
            boxes[suite] = try StaticKeyBox(material, crypto: crypto)
            try suites.append(suite)
        }
        guard suites.count > 0 else { throw GatewayEngineError.noSuites }
        self.limits = configuration
        self.devices = devices
        self.events = events
        self.logger = logger
        self.clock = clock
        self.crypto = crypto
        self.staticKeys = boxes
        self.supportedSuites = suites
        self.halfOpen = HalfOpenTable(capacity: configuration.maxHalfOpenHandshakes)
        self.echo = EchoChallenge(crypto: crypto, lifetimeSeconds: configuration.echoLifetimeSeconds)
        self.datagramLimiter = TokenBucketLimiter(ratePerSecond: configuration.perSourceRatePerSecond,
                                                  burst: configuration.perSourceBurst)
        self.handshakeLimiter = TokenBucketLimiter(ratePerSecond: configuration.perSourceHandshakesPerSecond,
                                                   burst: max(1, configuration.perSourceHandshakesPerSecond * 2))
    }

    // MARK: DatagramService

    public func handle(_ datagram: [UInt8], from source: PeerAddress) -> [UInt8]? {
        let now = clock.now()
        guard datagram.count <= limits.maxDatagramBytes else {
            return dropped(source, .oversized)
        }
        guard !blockedSources.isBlocked(source, now: now) else {
            return dropped(source, .blocked)
        }
        guard datagramLimiter.allow(source, now: now) else {
            return dropped(source, .rateLimited)
        }
        let bytes = datagram.span
        let message: CoAPMessage
        do { message = try CoAPMessage(parsing: bytes) } catch { return dropped(source, .malformedCoAP) }

        if message.code.isEmpty {
            // A CoAP ping (empty CON) is answered with RST (RFC 7252 §4.3). An RST may answer
            // one of ours; an empty ACK is ignored.
            switch message.type {
            case .confirmable:
                return CoAPReply.reset(messageID: message.messageID)
            case .reset:
                if let ping = pings.answered(from: source, messageID: message.messageID, now: now,
                                             timeout: limits.pingTimeoutSeconds) {
                    publish(.previousPeerAnswered(kid: ping.kid, previous: source, current: ping.current))
                }
                return nil
            case .acknowledgement, .nonConfirmable:
                return nil
            }
        }
        guard message.code.isRequest else { return nil }
        if message.options.first(.oscore) != nil {
            return handleOSCORE(datagram, message: message, source: source, now: now)
        }
        if EDHOCOverCoAP.isEDHOCRequest(message) {
            return handleEDHOC(message, source: source, now: now)
        }
        if CoAPReply.isTelemetryPath(message) {
            // Telemetry without OSCORE: tell the device it has no security context.
            publish(.oscoreRejected(kid: nil, source: source, rejection: .unknownContext))
            return CoAPReply.unprotected(responseTo: message, code: .unauthorized,
                                         diagnostic: OSCOREErrorResponse.contextNotFound, messageID: freshMessageID())
        }
        publish(.datagramDropped(source: source, reason: .unsupportedRequest))
        return CoAPReply.unprotected(responseTo: message, code: .notFound, diagnostic: nil, messageID: freshMessageID())
    }

    public func tick() {
        let now = clock.now()
        for slot in halfOpen.expire(before: now - limits.halfOpenTimeoutSeconds) {
            publish(.handshakeFailed(kid: nil, source: slot.source, failure: .timeout))
        }
        // A slice of the session table per tick: a full pass every 16 ticks.
        let slices = max(1, SessionTable.shardCount / 16)
        for kid in sessions.evictIdle(before: now - limits.sessionIdleTimeoutSeconds, slices: slices) {
            publish(.sessionEvicted(kid: kid))
        }
        datagramLimiter.prune(now: now)
        handshakeLimiter.prune(now: now)
        blockedSources.prune(now: now)
        pings.expire(now: now, timeout: limits.pingTimeoutSeconds)
    }

    public func takeOutbound() -> [OutboundDatagram] {
        pings.takeOutbound()
    }

    // MARK: GatewayGauges

    public var sessionCount: Int { sessions.count }
    public var halfOpenCount: Int { halfOpen.count }

    // MARK: helpers

    func publish(_ kind: GatewayEvent.Kind) {
        events.publish(GatewayEvent(kind))
    }

    func dropped(_ source: PeerAddress, _ reason: DropReason) -> [UInt8]? {
        publish(.datagramDropped(source: source, reason: reason))
        return nil
    }

    func freshMessageID() -> UInt16 {
        nextMessageID.wrappingAdd(1, ordering: .relaxed).newValue
    }
}

/// Why an engine could not start.
public enum GatewayEngineError: Error, CustomStringConvertible {
    case unsupportedSuite(Int32)
    case missingKey(Int32)
    case noSuites

    public var description: String {
        switch self {
        case .unsupportedSuite(let suite): "cipher suite \(suite) is not supported (supported: 0 and 2)"
        case .missingKey(let suite): "no static key for cipher suite \(suite) (the key store creates one per suite)"
        case .noSuites: "no cipher suite configured (engine.suites)"
        }
    }
}

/// One static key, held for the engine's lifetime and wiped with it.
final class StaticKeyBox: @unchecked Sendable {
    /// Read-only after init (`@unchecked`: mutated only by deinit's wipe).
    private(set) var key: EDHOCStaticKey

    deinit {
        key.wipe()
    }

    init(_ material: GatewayKeyMaterial, crypto: HostCrypto) throws {
        guard material.privateKey.count == 32 else { throw GatewayEngineError.missingKey(material.suite) }
        var privateKey = Bytes32(repeating: 0)
        for i in 0..<32 { privateKey[i] = material.privateKey[i] }
        defer { privateKey.wipe() }
        let credential = try EDHOCCredential(ccs: material.credential.span)
        guard credential.suite.rawValue == material.suite else { throw GatewayEngineError.missingKey(material.suite) }
        key = try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: credential)
    }
}

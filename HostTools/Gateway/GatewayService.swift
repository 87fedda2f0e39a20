/// What a transport (UDP, serial) and the admin API need of the gateway's protocol engine.
/// `GatewayEngine` implements both; transport tests may use a small fake.

/// Answers one datagram (a CoAP message) with at most one datagram. Called concurrently from
/// several I/O threads; never blocks on I/O.
public protocol DatagramService: Sendable {
    func handle(_ datagram: [UInt8], from source: PeerAddress) -> [UInt8]?
    /// Housekeeping, called about once a second: evict idle sessions, expire half-open
    /// handshakes, refill rate limits.
    func tick()
}

/// The response actions as a Swift API (the admin API and the detector call it).
public protocol ResponseActions: Sendable {
    /// Applies `action` to the device `kid`; idempotent. Throws
    /// `DeviceDirectoryError.unknownDevice` for a kid no device has.
    func perform(_ action: GatewayAction, kid: [UInt8], reason: String) throws -> ActionOutcome
    /// A device's registry record and live session, for `rampart gateway status`-like queries.
    func deviceState(kid: [UInt8]) throws -> DeviceState?
}

public struct ActionOutcome: Sendable, Equatable, Codable {
    public let action: GatewayAction
    public let kid: String
    /// False when the action was already in effect (nothing changed).
    public let changed: Bool
    /// Whether a live OSCORE session was dropped by it.
    public let sessionDropped: Bool

    public init(action: GatewayAction, kid: [UInt8], changed: Bool, sessionDropped: Bool) {
        self.action = action
        self.kid = kid.hexString
        self.changed = changed
        self.sessionDropped = sessionDropped
    }
}

public struct DeviceState: Sendable, Equatable, Codable {
    public let kid: String
    public let status: DeviceStatus
    public let hasSession: Bool
    /// Seconds since the session's last verified request (nil without a session).
    public let idleSeconds: Double?
    /// OSCORE requests accepted in the current session.
    public let requestsAccepted: Int?

    public init(kid: [UInt8], status: DeviceStatus, hasSession: Bool, idleSeconds: Double?, requestsAccepted: Int?) {
        self.kid = kid.hexString
        self.status = status
        self.hasSession = hasSession
        self.idleSeconds = idleSeconds
        self.requestsAccepted = requestsAccepted
    }
}

/// Live sizes the metrics export as gauges.
public protocol GatewayGauges: Sendable {
    /// OSCORE sessions in the session table.
    var sessionCount: Int { get }
    /// Handshakes waiting for message_3.
    var halfOpenCount: Int { get }
}

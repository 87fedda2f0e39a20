import RampartProtocol

/// What a transport (UDP, serial) and the admin API need of the gateway's protocol engine.
/// `GatewayEngine` implements both; transport tests may use a small fake.

/// Answers one datagram (a CoAP message) with at most one datagram. Called concurrently from
/// several I/O threads; never blocks on I/O.
public protocol DatagramService: Sendable {
    func handle(_ datagram: [UInt8], from source: PeerAddress) -> [UInt8]?
    /// Housekeeping, called about once a second: evict idle sessions, expire half-open
    /// handshakes, refill rate limits.
    func tick()
    /// Datagrams the engine sends on its own (CoAP pings), taken from its queue. A transport
    /// calls it after `handle` and sends those addressed to peers it reaches.
    func takeOutbound() -> [OutboundDatagram]
}

extension DatagramService {
    public func takeOutbound() -> [OutboundDatagram] { [] }
}

/// The response actions as a Swift API (the admin API and the detector call it).
public protocol ResponseActions: Sendable {
    /// Applies `action` to the device `kid`; idempotent. Throws
    /// `DeviceDirectoryError.unknownDevice` for a kid no device has.
    func perform(_ action: GatewayAction, kid: [UInt8], reason: String, evidence: ActionEvidence?) throws -> ActionOutcome
    /// A device's registry record and live session, for `rampart gateway status`-like queries.
    func deviceState(kid: [UInt8]) throws -> DeviceState?
}

extension ResponseActions {
    /// An operator's action (no detector evidence).
    public func perform(_ action: GatewayAction, kid: [UInt8], reason: String) throws -> ActionOutcome {
        try perform(action, kid: kid, reason: reason, evidence: nil)
    }
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

/// What the gateway knows of one device now (`GET /v1/devices/{kid}`, `rampart devices show`).
public struct DeviceState: Sendable, Equatable, Codable {
    public let kid: String
    public let status: DeviceStatus
    public let hasSession: Bool
    /// The live OSCORE session, if any.
    public let session: Session?

    public struct Session: Sendable, Equatable, Codable {
        /// C_R in hex (8 digits): the session's Recipient ID. Every handshake picks a new one,
        /// so a changed id means new OSCORE keys.
        public let id: String
        /// Seconds since the handshake that made the session.
        public let ageSeconds: Double
        /// Seconds since the session's last verified request.
        public let idleSeconds: Double
        /// OSCORE requests accepted in the session.
        public let requestsAccepted: Int
        public let lastReading: Reading?

        /// A session id as 8 hex digits.
        public static func hex(_ id: UInt32) -> String {
            let digits = String(id, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }

        public init(id: UInt32, ageSeconds: Double, idleSeconds: Double, requestsAccepted: Int, lastReading: Reading?) {
            self.id = Self.hex(id)
            self.ageSeconds = ageSeconds
            self.idleSeconds = idleSeconds
            self.requestsAccepted = requestsAccepted
            self.lastReading = lastReading
        }
    }

    /// A decrypted telemetry reading, its Q16.16 value converted for people.
    public struct Reading: Sendable, Equatable, Codable {
        public let readingNumber: UInt32
        public let value: Double
        public let valueQ16: Int32
        public let failurePerMille: UInt16
        public let uptimeSeconds: UInt32

        public init(_ reading: TelemetryReading) {
            readingNumber = reading.readingNumber
            valueQ16 = reading.valueQ16
            value = Double(reading.valueQ16) / 65_536
            failurePerMille = reading.failurePerMille
            uptimeSeconds = reading.uptimeSeconds
        }
    }

    public init(kid: [UInt8], status: DeviceStatus, session: Session?) {
        self.kid = kid.hexString
        self.status = status
        self.hasSession = session != nil
        self.session = session
    }
}

/// Live sizes the metrics export as gauges.
public protocol GatewayGauges: Sendable {
    /// OSCORE sessions in the session table.
    var sessionCount: Int { get }
    /// Handshakes waiting for message_3.
    var halfOpenCount: Int { get }
}

import Foundation
import RampartProtocol

/// The one typed event stream of a gateway: every handshake, every OSCORE decision and every
/// action. Subscribers (metrics now; the ledger and the detector later) read it through
/// `EventBus`. Events carry identifiers and classes, never key material.
public struct GatewayEvent: Sendable {
    /// Wall-clock time the gateway observed it.
    public let time: Date
    public let kind: Kind

    public init(time: Date = Date(), _ kind: Kind) {
        self.time = time
        self.kind = kind
    }

    public enum Kind: Sendable {
        /// A message_1 was accepted for processing. `ephemeralFingerprint` is the first 8
        /// bytes of SHA-256(G_X): equal fingerprints from different handshakes mean a
        /// replayed message_1. `session` is the C_R it was given: `handshakeSucceeded` with the
        /// same C_R names the kid whose G_X this was.
        case handshakeStarted(source: PeerAddress, suite: Int32, ephemeralFingerprint: [UInt8], session: UInt32)
        /// message_3 verified; the device has a new OSCORE context. `session` is C_R, the
        /// session's Recipient ID: a new handshake gives a new one.
        case handshakeSucceeded(kid: [UInt8], source: PeerAddress, suite: Int32, session: UInt32, durationMicroseconds: Int)
        /// A handshake ended without a session. `kid` is known once message_3 was decrypted.
        case handshakeFailed(kid: [UInt8]?, source: PeerAddress, failure: HandshakeFailure)
        /// An OSCORE request was verified and answered. `reading` is the telemetry it carried
        /// when it was a well-formed `POST /t`.
        case oscoreAccepted(kid: [UInt8], source: PeerAddress, sequenceNumber: UInt64, payloadBytes: Int,
                            reading: TelemetryReading?)
        /// An OSCORE request was refused. `kid` is nil when no context matched.
        case oscoreRejected(kid: [UInt8]?, source: PeerAddress, rejection: OSCORERejection)
        /// message_1 answered with an Echo challenge (admission control under load).
        case echoChallengeSent(source: PeerAddress)
        /// A datagram dropped before any protocol work: rate limit, malformed CoAP, too large.
        case datagramDropped(source: PeerAddress, reason: DropReason)
        /// A response action was applied (`changed` is false when it was already in effect).
        /// `evidence` is the detector's, when the detector decided it (nil for an operator).
        case actionTaken(kid: [UInt8], action: GatewayAction, reason: String, changed: Bool, evidence: ActionEvidence?)
        /// The detector blocked a source for `seconds` (a flood, replayed messages); its
        /// datagrams are dropped until then. `changed` is false when it was already blocked longer.
        case sourceBlocked(source: PeerAddress, seconds: Double, reason: String, changed: Bool, evidence: ActionEvidence?)
        /// An idle OSCORE session was evicted from the session table.
        case sessionEvicted(kid: [UInt8])
        /// The address a device's session just moved away from (to `current`) answered a
        /// CoAP ping: something there is still alive — the kid is in two places at once.
        case previousPeerAnswered(kid: [UInt8], previous: PeerAddress, current: PeerAddress)
        /// Cluster mode: another gateway (`gateway`, its id) completed a handshake for this
        /// kid. The device now has its session there; requests here on an older session
        /// come from a second holder of its key.
        case sessionOnPeer(kid: [UInt8], gateway: String)
    }
}

/// Why a handshake failed, in the classes the detector and the metrics count.
public enum HandshakeFailure: String, Sendable, CaseIterable, Codable {
    /// Not a well-formed EDHOC message (CBOR, lengths, unexpected fields).
    case malformed
    /// SUITES_I offered nothing the gateway supports (ERR_CODE 2 sent).
    case unsupportedSuite
    /// ID_CRED_I names no registered device, or its credential does not parse (ERR_CODE 3).
    case unknownCredential
    /// message_3's AEAD or MAC_3 did not verify: wrong key, tampering, or a relay.
    case authenticationFailed
    /// An invalid public key (off the curve, low order).
    case invalidPublicKey
    /// The kid is quarantined (an EDHOC error was sent).
    case quarantined
    /// The kid's registration is revoked.
    case revoked
    /// message_3 never came; the half-open state expired.
    case timeout
    /// message_3 for a C_R with no half-open handshake (late, replayed or forged).
    case unknownConnection
    /// The half-open table was full; message_1 dropped.
    case overloaded
}

/// Why an OSCORE request was refused.
public enum OSCORERejection: String, Sendable, CaseIterable, Codable {
    /// The Partial IV was seen before or fell left of the replay window.
    case replay
    /// The AEAD tag did not verify.
    case decryptionFailed
    /// No security context for the kid (never had one, evicted, or dropped by an action).
    case unknownContext
    /// Not a decodable OSCORE message.
    case malformed
    /// The context reached its usage limit (a re-key is due).
    case keyUsageLimit
}

public enum DropReason: String, Sendable, CaseIterable, Codable {
    case rateLimited
    case malformedCoAP
    case oversized
    case unsupportedRequest
    /// The source is blocked for a while (`GatewayEngine.block(source:…)`).
    case blocked
}

/// Why the detector acted: its risk score and the evidence behind it (rule names, the
/// features that contributed most), as the ledger's security-event entry records them.
public struct ActionEvidence: Sendable, Equatable, Codable {
    /// Risk in [0, 1].
    public var score: Double
    /// Short, stable strings: `rule:replayed-message-1`, `feature:oscore_decrypt_failures_short=0.42`.
    public var evidence: [String]

    public init(score: Double, evidence: [String]) {
        self.score = min(1, max(0, score.isNaN ? 0 : score))
        self.evidence = evidence
    }
}

/// The response actions (each idempotent).
public enum GatewayAction: String, Sendable, CaseIterable, Codable {
    /// End the device's OSCORE session.
    case revokeSession = "revoke-session"
    /// Drop the OSCORE context so the device's next request gets 4.01 and it runs EDHOC again.
    case forceRekey = "force-rekey"
    /// Answer EDHOC from the kid with an EDHOC error (and end its session) until released.
    case quarantine
    /// Lift a quarantine.
    case release
    /// Withdraw the registration for good (and end its session).
    case revokeRegistration = "revoke-registration"
}

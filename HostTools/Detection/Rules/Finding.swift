import RampartGateway

/// Hard evidence: something no well-behaved device or network produces, found by a rule
/// (docs/detection.md §2). A finding is acted on at once, without waiting for the model.
public struct Finding: Sendable, Equatable {
    public enum Rule: String, Sendable, CaseIterable, Codable {
        /// message_3 decrypted to a registered kid whose MAC_3 did not verify: someone
        /// holding the kid without the key (impersonation), or a relay that changed it.
        case authenticationFailed = "message3-authentication-failed"
        /// A message_1 with a G_X seen before, from another source: a recorded handshake replayed.
        case replayedMessage1 = "replayed-message-1"
        /// A message_3 for a connection that no longer exists, from a source that never
        /// completed a handshake: a recorded message_3 replayed.
        case replayedMessage3 = "replayed-message-3"
        /// An OSCORE request the replay window refused, from a source other than the one
        /// the device is using: a recorded request replayed.
        case oscoreReplay = "oscore-replay"
        /// An OSCORE request under a device's kid whose AEAD tag did not verify, from a
        /// source other than the one the device is using: forged by someone without the
        /// key, or altered by a relay on the device's path.
        case oscoreForgery = "oscore-forgery"
        /// One kid established sessions from two sources in turn (A, B, A): a clone.
        case clone = "one-kid-two-places"
        /// Cluster mode: requests on this gateway's session for a kid after another gateway
        /// completed a handshake for it. A device keeps one session; two are two holders.
        case twoGateways = "one-kid-two-gateways"
        /// A handshake with a revoked credential: a stolen key used after its revocation.
        case revokedCredentialUsed = "revoked-credential-used"
        /// A source starting handshakes far faster than any device re-keys.
        case handshakeFlood = "handshake-flood"
    }

    public enum Subject: Sendable, Hashable {
        case device([UInt8])
        case source(PeerAddress)
    }

    public let rule: Rule
    public let subject: Subject
    /// The device the evidence concerns when the subject is a source (a replayed G_X names
    /// the device whose handshake was recorded).
    public let target: [UInt8]?
    public let detail: String

    public init(rule: Rule, subject: Subject, target: [UInt8]? = nil, detail: String) {
        self.rule = rule
        self.subject = subject
        self.target = target
        self.detail = detail
    }

    /// Whether the evidence implicates whoever holds the device's credential (impersonation,
    /// a clone, a revoked key): those findings quarantine the device. Replays and forgeries
    /// implicate only their sender — anyone on the path can replay or alter — so they block
    /// the source and leave the device alone (quarantining it would hand every eavesdropper
    /// a way to lock it out).
    public var implicatesCredential: Bool {
        switch rule {
        case .authenticationFailed, .clone, .twoGateways, .revokedCredentialUsed: true
        case .replayedMessage1, .replayedMessage3, .oscoreReplay, .oscoreForgery, .handshakeFlood: false
        }
    }
}

import RampartProtocol

/// One device's live OSCORE session: its security context (keys, replay window, usage
/// counters) and what the gateway tracks about it. Reached only under its shard's lock
/// (`SessionTable`), hence `@unchecked Sendable`. The context is wiped when the session is
/// dropped, evicted or replaced.
final class Session: @unchecked Sendable {
    /// C_R, which is also the Recipient ID: the 'kid' of the device's OSCORE requests.
    let recipientID: UInt32
    /// The device's credential kid.
    let kid: [UInt8]
    let suite: Int32
    var context: OSCORESecurityContext
    let established: Double
    var lastActivity: Double
    /// Where the device spoke from last: the handshake's source, then each accepted request's.
    var peer: PeerAddress
    var requestsAccepted = 0
    /// The last telemetry reading the session delivered.
    var lastReading: TelemetryReading? = nil
    /// First 8 bytes of SHA-256(message_3): a retransmitted message_3 (its 2.04 was lost)
    /// is answered again instead of failing.
    let message3Fingerprint: UInt64
    /// RFC 7252 §4.5: the last request (a hash of its bytes) and the protected response it
    /// got, so a retransmitted request — its ACK was lost — gets the same response again
    /// instead of being refused as an OSCORE replay (which would cost the device a handshake).
    var lastRequestHash: Int? = nil
    var lastResponse: [UInt8] = []

    init(recipientID: UInt32, kid: [UInt8], suite: Int32, context: consuming OSCORESecurityContext,
         peer: PeerAddress, now: Double, message3Fingerprint: UInt64) {
        self.recipientID = recipientID
        self.kid = kid
        self.suite = suite
        self.context = context
        self.established = now
        self.lastActivity = now
        self.peer = peer
        self.message3Fingerprint = message3Fingerprint
    }

    deinit {
        context.wipe()
    }
}

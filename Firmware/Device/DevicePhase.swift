/// The device application's phases (DESIGN.md §3):
/// unprovisioned → provisioning → provisioned → handshaking → connected ⇄ re-keying;
/// quarantined with back-off; revoked (stopped until re-provisioned).
///
/// `Device` starts in `provisioned` — it is given its static key and the gateway's
/// credential — and moves between the phases after it; `DeviceApplication` reports the two
/// before it (no record; a key pair offered and `provision` awaited).
public enum DevicePhase: UInt8, Sendable {
    case unprovisioned
    case provisioning
    /// Has its keys and the gateway's credential; no handshake has started yet.
    case provisioned
    /// Running EDHOC with no usable OSCORE context (first handshake, after a forced re-key,
    /// or backing off between attempts).
    case handshaking
    /// An OSCORE context is installed; telemetry flows.
    case connected
    /// A scheduled re-key: a full EDHOC run while the old context stays usable.
    case rekeying
    /// The gateway answered EDHOC with "quarantined": jittered exponential back-off, then
    /// another handshake.
    case quarantined
    /// The gateway answered EDHOC with "revoked": the device stops and wipes its session
    /// secrets; only re-provisioning brings it back.
    case revoked
}

/// The device application's phases (DESIGN.md §3):
/// unprovisioned → provisioning → provisioned → handshaking → connected ⇄ re-keying;
/// quarantined with back-off.
public enum DevicePhase: UInt8, Sendable {
    case unprovisioned
    case provisioning
    case provisioned
    case handshaking
    case connected
    case rekeying
    case quarantined
}

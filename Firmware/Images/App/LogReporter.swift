#if RAMPART_FIRMWARE
import RampartDevice
import RampartPlatform
import RampartProtocol

/// Turns what changed in the application since the last look into log lines: a timeline a
/// person can read next to the gateway's (`rampart: …` lines, one event each, no secrets:
/// kids, session identifiers (C_R) and counts only).
struct LogReporter {
    /// Telemetry acknowledgements are logged for the first of a session and then every
    /// `telemetryLogInterval`-th, so a fast cadence does not drown the rest.
    static let telemetryLogInterval: UInt32 = 10

    private var phase: DevicePhase? = nil
    private var counters = DeviceCounters()
    /// The acknowledgement count at which the next telemetry line is due (no `%`: the
    /// Cortex-M0 has no divide and the runtime no `__aeabi_uidivmod`).
    private var nextTelemetryLine: UInt32 = 1

    mutating func report<Crypto, Sensor, Flash, Log: Console>(
        _ application: inout DeviceApplication<Crypto, Sensor, Flash>, to log: inout Log) {
        let now = application.counters
        let phase = application.phase
        if phase != self.phase {
            log.write("rampart: state ")
            log.write(Self.name(of: phase))
            if phase == .unprovisioned { log.write(" (waiting for `rampart provision` on UART0)") }
            if phase == .handshaking, let keyID = application.keyID {
                log.write(" kid=")
                log.write(hex: keyID.span)
            }
            log.write("\n")
        }
        if now.handshakesSucceeded != counters.handshakesSucceeded, let session = application.senderID {
            log.write("rampart: handshake succeeded session=")
            log.write(hex: session.span)
            log.write(" in ")
            log.write(decimal: UInt64(now.lastHandshakeLatencyMilliseconds))
            log.write(" ms (handshakes=")
            log.write(decimal: UInt64(now.handshakesSucceeded))
            log.write(")\n")
        }
        if now.handshakesFailed != counters.handshakesFailed {
            log.write("rampart: handshake failed (failures=")
            log.write(decimal: UInt64(now.handshakesFailed))
            log.write(")\n")
        }
        if now.rekeysForced != counters.rekeysForced {
            log.write("rampart: the gateway dropped the session (4.01): re-keying\n")
        }
        if now.rekeysScheduled != counters.rekeysScheduled {
            log.write("rampart: scheduled re-key\n")
        }
        let acknowledged = now.telemetryAcknowledged
        if acknowledged < counters.telemetryAcknowledged { nextTelemetryLine = 1 }
        if acknowledged >= nextTelemetryLine {
            nextTelemetryLine = acknowledged &+ Self.telemetryLogInterval
            log.write("rampart: telemetry acknowledged=")
            log.write(decimal: UInt64(acknowledged))
            log.write(" sent=")
            log.write(decimal: UInt64(now.telemetrySent))
            log.write("\n")
        }
        self.phase = phase
        counters = now
    }

    static func name(of phase: DevicePhase) -> StaticString {
        switch phase {
        case .unprovisioned: "unprovisioned"
        case .provisioning: "provisioning"
        case .provisioned: "provisioned"
        case .handshaking: "handshaking"
        case .connected: "connected"
        case .rekeying: "re-keying"
        case .quarantined: "quarantined (backing off)"
        case .revoked: "revoked (stopped until provisioned again)"
        }
    }
}
#endif

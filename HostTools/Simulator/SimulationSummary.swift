import Foundation
import RampartDevice

/// The result of a simulation: what the devices did, added up, with latency percentiles.
public struct SimulationSummary: Sendable {
    public var devices: Int
    public var suite: Int32
    public var sockets: Int
    public var readingsPerSecond: Double
    /// Measured from the first device's start to the stop.
    public var durationSeconds: Double

    public var handshakesSucceeded = 0
    public var handshakesFailed = 0
    /// Nearest-rank percentiles of every completed handshake's latency (message_1 sent to
    /// message_3's 2.04 received); nil when none completed.
    public var handshakeLatencyP50Milliseconds: Int? = nil
    public var handshakeLatencyP90Milliseconds: Int? = nil
    public var handshakeLatencyP99Milliseconds: Int? = nil
    public var handshakeLatencyMaxMilliseconds: Int? = nil
    public var telemetrySent = 0
    public var telemetryAcknowledged = 0
    public var rekeysScheduled = 0
    public var rekeysForced = 0
    public var quarantineEntries = 0
    public var retransmissions = 0
    public var echoChallenges = 0

    /// Devices in each phase at the end.
    public var devicesConnected = 0
    public var devicesHandshaking = 0
    public var devicesQuarantined = 0
    public var devicesRevoked = 0

    // Errors by class.
    public var errorsTimeout = 0
    public var errorsUnknownCredential = 0
    public var errorsSuiteRejected = 0
    public var errorsEDHOC = 0
    public var errorsServiceUnavailable = 0
    public var errorsOSCORERejected = 0
    public var errorsProtocol = 0
    public var errorsUnmatchedDatagrams = 0
    public var errorsSend = 0
    public var errorsSocket = 0

    /// Every device's own result, in index order (not part of the JSON).
    public var outcomes: [SimulatedDeviceOutcome] = []

    /// Adds up `outcomes`.
    public init(outcomes: [SimulatedDeviceOutcome], suite: Int32, sockets: Int, readingsPerSecond: Double,
                durationSeconds: Double) {
        devices = outcomes.count
        self.suite = suite
        self.sockets = sockets
        self.readingsPerSecond = readingsPerSecond
        self.durationSeconds = durationSeconds
        self.outcomes = outcomes
        var latencies: [UInt32] = []
        for outcome in outcomes {
            let c = outcome.counters
            handshakesSucceeded += Int(c.handshakesSucceeded)
            handshakesFailed += Int(c.handshakesFailed)
            telemetrySent += Int(c.telemetrySent)
            telemetryAcknowledged += Int(c.telemetryAcknowledged)
            rekeysScheduled += Int(c.rekeysScheduled)
            rekeysForced += Int(c.rekeysForced)
            quarantineEntries += Int(c.quarantineEntries)
            retransmissions += Int(c.retransmissions)
            echoChallenges += Int(c.echoChallenges)
            errorsTimeout += Int(c.exchangeTimeouts)
            errorsUnknownCredential += Int(c.unknownCredentialErrors)
            errorsSuiteRejected += Int(c.suiteRejections)
            errorsEDHOC += Int(c.edhocErrors)
            errorsServiceUnavailable += Int(c.serviceUnavailable)
            errorsOSCORERejected += Int(c.oscoreRejections)
            errorsProtocol += Int(c.protocolErrors)
            errorsUnmatchedDatagrams += Int(c.unmatchedDatagrams)
            errorsSend += outcome.sendFailures
            errorsSocket += outcome.socketErrors
            switch outcome.phase {
            case .connected, .rekeying: devicesConnected += 1
            case .quarantined: devicesQuarantined += 1
            case .revoked: devicesRevoked += 1
            case .unprovisioned, .provisioning, .provisioned, .handshaking: devicesHandshaking += 1
            }
            latencies.append(contentsOf: outcome.handshakeLatenciesMilliseconds)
        }
        latencies.sort()
        handshakeLatencyP50Milliseconds = Self.percentile(latencies, 50)
        handshakeLatencyP90Milliseconds = Self.percentile(latencies, 90)
        handshakeLatencyP99Milliseconds = Self.percentile(latencies, 99)
        handshakeLatencyMaxMilliseconds = latencies.last.map { Int($0) }
    }

    /// Nearest rank (the smallest value with at least p % of the values at or below it).
    static func percentile(_ sorted: [UInt32], _ p: Int) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = (p * sorted.count + 99) / 100
        return Int(sorted[max(0, min(sorted.count - 1, rank - 1))])
    }

    /// The figures as (key, value) pairs, keys named with their unit last (DESIGN.md §7).
    public var fields: [(key: String, value: SummaryValue)] {
        [
            ("devices", .int(devices)), ("suite", .int(Int(suite))), ("sockets", .int(sockets)),
            ("rate_per_device_per_s", .double(readingsPerSecond)), ("duration_s", .double(durationSeconds)),
            ("handshakes_ok", .int(handshakesSucceeded)), ("handshakes_failed", .int(handshakesFailed)),
            ("handshake_p50_ms", .optionalInt(handshakeLatencyP50Milliseconds)),
            ("handshake_p90_ms", .optionalInt(handshakeLatencyP90Milliseconds)),
            ("handshake_p99_ms", .optionalInt(handshakeLatencyP99Milliseconds)),
            ("handshake_max_ms", .optionalInt(handshakeLatencyMaxMilliseconds)),
            ("telemetry_sent", .int(telemetrySent)), ("telemetry_acknowledged", .int(telemetryAcknowledged)),
            ("rekeys", .int(rekeysScheduled + rekeysForced)), ("rekeys_scheduled", .int(rekeysScheduled)),
            ("rekeys_forced", .int(rekeysForced)), ("quarantine_entries", .int(quarantineEntries)),
            ("retransmissions", .int(retransmissions)), ("echo_challenges", .int(echoChallenges)),
            ("devices_connected", .int(devicesConnected)), ("devices_handshaking", .int(devicesHandshaking)),
            ("devices_quarantined", .int(devicesQuarantined)), ("devices_revoked", .int(devicesRevoked)),
            ("errors_timeout", .int(errorsTimeout)), ("errors_unknown_credential", .int(errorsUnknownCredential)),
            ("errors_suite_rejected", .int(errorsSuiteRejected)), ("errors_edhoc", .int(errorsEDHOC)),
            ("errors_service_unavailable", .int(errorsServiceUnavailable)),
            ("errors_oscore_rejected", .int(errorsOSCORERejected)), ("errors_protocol", .int(errorsProtocol)),
            ("errors_unmatched_datagrams", .int(errorsUnmatchedDatagrams)), ("errors_send", .int(errorsSend)),
            ("errors_socket", .int(errorsSocket)),
        ]
    }

    /// One flat JSON object, keys in a fixed order.
    public var json: String {
        "{" + fields.map { "\"\($0.key)\": \($0.value.json)" }.joined(separator: ", ") + "}"
    }

    /// For people: a few lines.
    public var text: String {
        func ms(_ value: Int?) -> String { value.map { "\($0) ms" } ?? "-" }
        let errors = fields.filter { $0.key.hasPrefix("errors_") && $0.value.json != "0" }
            .map { "\($0.key.dropFirst("errors_".count)) \($0.value.json)" }
        return """
            \(devices) devices, suite \(suite), \(String(format: "%.1f", durationSeconds)) s over \(sockets) sockets
            handshakes: \(handshakesSucceeded) ok, \(handshakesFailed) failed; latency p50 \(ms(handshakeLatencyP50Milliseconds)), \
            p90 \(ms(handshakeLatencyP90Milliseconds)), p99 \(ms(handshakeLatencyP99Milliseconds))
            telemetry: \(telemetrySent) sent, \(telemetryAcknowledged) acknowledged
            re-keys: \(rekeysScheduled) scheduled, \(rekeysForced) forced; quarantines: \(quarantineEntries)
            at the end: \(devicesConnected) connected, \(devicesHandshaking) handshaking, \(devicesQuarantined) quarantined, \
            \(devicesRevoked) revoked
            errors: \(errors.isEmpty ? "none" : errors.joined(separator: ", "))
            """
    }
}

/// A JSON scalar of the summary.
public enum SummaryValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case optionalInt(Int?)

    public var json: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): value.isFinite ? String(format: "%.3f", value) : "null"
        case .optionalInt(let value): value.map(String.init) ?? "null"
        }
    }
}

/// Running totals, for progress lines during a long run.
public struct SimulationProgress: Sendable {
    public let elapsedSeconds: Double
    public let summary: SimulationSummary

    public var line: String {
        let s = summary
        return String(format: "sim: %.0f s: ", elapsedSeconds)
            + "\(s.devicesConnected)/\(s.devices) connected, \(s.devicesQuarantined) quarantined; "
            + "handshakes \(s.handshakesSucceeded) ok / \(s.handshakesFailed) failed; "
            + "telemetry \(s.telemetryAcknowledged)/\(s.telemetrySent) acknowledged"
    }
}

/// The detector's features (docs/detection.md §1): one vector per device, recomputed at every
/// event about it. Counts fade over a short (10 s) or a long (300 s) time constant, so a
/// vector describes "the last few seconds" and "the last few minutes" at once.
///
/// The order is the model file's: adding, removing or reordering a feature changes
/// `names`, and a model trained on other names is refused when it is loaded.
public enum Feature: Int, CaseIterable, Sendable {
    case handshakesShort
    case handshakeFailuresShort
    case handshakeFailuresLong
    case authenticationFailuresLong
    case decryptFailuresShort
    case decryptFailuresLong
    case replaysLong
    case requestsShort
    case requestsLong
    case payloadBytes
    case interArrivalJitter
    case sequenceGapsLong
    case sourceChangesLong
    case sourceReturnsLong
    case telemetryDeviation
    case telemetryJump
    case repeatedEphemeralsLong
    case keyAgeSeconds

    public var name: String {
        switch self {
        case .handshakesShort: "handshakes_short"
        case .handshakeFailuresShort: "handshake_failures_short"
        case .handshakeFailuresLong: "handshake_failures_long"
        case .authenticationFailuresLong: "authentication_failures_long"
        case .decryptFailuresShort: "oscore_decrypt_failures_short"
        case .decryptFailuresLong: "oscore_decrypt_failures_long"
        case .replaysLong: "oscore_replays_long"
        case .requestsShort: "requests_short"
        case .requestsLong: "requests_long"
        case .payloadBytes: "payload_bytes"
        case .interArrivalJitter: "inter_arrival_jitter"
        case .sequenceGapsLong: "sequence_gaps_long"
        case .sourceChangesLong: "source_changes_long"
        case .sourceReturnsLong: "source_returns_long"
        case .telemetryDeviation: "telemetry_deviation"
        case .telemetryJump: "telemetry_jump"
        case .repeatedEphemeralsLong: "repeated_ephemerals_long"
        case .keyAgeSeconds: "key_age_s"
        }
    }

    /// The least ceiling the scaler uses (`FeatureScaler`): a feature that never moved in
    /// training (failures, say) maps this much to 1, so one failure reads as ~0.3, not as
    /// the whole range.
    public var scalerFloor: Double {
        switch self {
        case .handshakesShort, .handshakeFailuresShort, .decryptFailuresShort: 4
        case .handshakeFailuresLong, .authenticationFailuresLong, .decryptFailuresLong, .replaysLong: 10
        case .sequenceGapsLong, .sourceChangesLong, .sourceReturnsLong, .repeatedEphemeralsLong: 10
        case .requestsShort, .requestsLong: 4
        case .payloadBytes: 64
        case .interArrivalJitter: 1
        case .telemetryDeviation, .telemetryJump: 8
        case .keyAgeSeconds: 600
        }
    }

    public static let count = allCases.count
    public static let names = allCases.map(\.name)
    public static let floors = allCases.map(\.scalerFloor)
}

/// A device's behaviour profile for grouping (k-means, `DeviceGrouping`): long-run rates
/// that differ between kinds of devices and barely move under attack.
public enum ProfileFeature: Int, CaseIterable, Sendable {
    case requestsPerMinute
    case payloadBytes
    case handshakesPerHour

    public var name: String {
        switch self {
        case .requestsPerMinute: "requests_per_min"
        case .payloadBytes: "payload_bytes"
        case .handshakesPerHour: "handshakes_per_h"
        }
    }

    public static let count = allCases.count
    public static let names = allCases.map(\.name)
}

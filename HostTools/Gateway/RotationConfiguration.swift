import Foundation

/// Risk-adaptive key rotation (docs/detection.md §5): each device's session is re-keyed
/// (a full EDHOC run, forced by the gateway) when it is older than its interval, which
/// shrinks as the device's risk grows, and at once when its AEAD usage nears the limits.
public struct RotationConfiguration: Sendable, Equatable, Codable {
    /// Off: sessions end only when devices re-key on their own schedule, or on a verdict.
    public var enabled = true
    /// The interval at risk 0, per device group (the group's name from the model); groups
    /// not listed use `baseIntervalSeconds`.
    public var baseIntervalSeconds = 600.0
    public var groupIntervalSeconds: [String: Double] = [:]
    /// The interval halves for every `halvingRisk` of risk: at risk r it is
    /// base · 2^(−r / halvingRisk), and never below `minimumIntervalSeconds`.
    public var halvingRisk = 0.1
    public var minimumIntervalSeconds = 15.0
    /// Re-key when a key has protected this share of its OSCORE limits (q requests or
    /// v failed decryptions; draft-ietf-core-oscore-key-limits).
    public var usageFraction = 0.5

    public init() {}

    /// The rotation interval of a device of `group` at `risk`.
    public func interval(risk: Double, group: String?) -> Double {
        let base = group.flatMap { groupIntervalSeconds[$0] } ?? baseIntervalSeconds
        let risk = min(1, max(0, risk.isNaN ? 0 : risk))
        return max(min(minimumIntervalSeconds, base), base * exp2(-risk / max(halvingRisk, 1e-3)))
    }

    func problems() -> [String] {
        var found: [String] = []
        if !(baseIntervalSeconds > 0) || groupIntervalSeconds.values.contains(where: { !($0 > 0) }) {
            found.append("detection.rotation intervals must be positive seconds")
        }
        if !(minimumIntervalSeconds > 0) { found.append("detection.rotation.minimumIntervalSeconds must be positive") }
        if !(halvingRisk > 0) { found.append("detection.rotation.halvingRisk must be positive (e.g. 0.1)") }
        if !(usageFraction > 0 && usageFraction <= 1) { found.append("detection.rotation.usageFraction must be in (0, 1]") }
        return found
    }
}

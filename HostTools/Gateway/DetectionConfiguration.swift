import Foundation

/// The detector's thresholds and timings (docs/detection.md §4–5). Part of the gateway's
/// configuration file (`detection`); a file names only what it changes (`ConfigurationFile`
/// merges it over these defaults).
public struct DetectionConfiguration: Sendable, Equatable, Codable {
    /// Off: no detector, no automatic actions (operators still act through `rampart action`).
    public var enabled = true
    /// The model file `rampart detect train` writes; relative to the data directory. Without
    /// one the rules still act (hard evidence), and the model's share of the risk is 0.
    public var modelFile = "detection-model.json"
    /// Risk (0…1) at which a device is re-keyed.
    public var rekeyThreshold = 0.4
    /// Risk at which a device is quarantined (hard evidence quarantines at any risk).
    public var quarantineThreshold = 0.75
    /// Risk a quarantined device must stay under, for `probationSeconds`, to be released.
    public var releaseThreshold = 0.2
    /// Clean time before a quarantine (the detector's, not an operator's) is lifted.
    public var probationSeconds = 120.0
    /// Hard evidence this many times within `hardEvidenceWindowSeconds` revokes the
    /// registration (0: never revoke automatically).
    public var revokeAfterHardEvidence = 3
    public var hardEvidenceWindowSeconds = 86_400.0
    /// Least time between two risk re-keys of one device.
    public var rekeyCooldownSeconds = 30.0
    /// Risk fades with this time constant once its cause is gone.
    public var riskDecaySeconds = 60.0
    /// A blocked source stays blocked this long.
    public var sourceBlockSeconds = 300.0
    /// After an operator's release the detector leaves the device alone this long, unless
    /// there is new hard evidence.
    public var operatorGraceSeconds = 600.0
    /// Whether the model keeps learning from live traffic. Only vectors scored as normal, of
    /// devices in the normal stage, are learned, so an attacker cannot teach it slowly.
    public var onlineLearning = true
    /// The model scores a device only after this much of its history (its fading counts
    /// need time to fill; a device's first seconds look like nothing in training). The
    /// rules apply from the first event.
    public var warmUpSeconds = 60.0
    public var rotation = RotationConfiguration()

    public init() {}

    /// What is wrong with the values, said so an operator can fix the file.
    public func problems() -> [String] {
        var found: [String] = []
        func unit(_ value: Double, _ name: String) {
            if !(0...1).contains(value) { found.append("detection.\(name) must be between 0 and 1 (it is \(value))") }
        }
        unit(rekeyThreshold, "rekeyThreshold")
        unit(quarantineThreshold, "quarantineThreshold")
        unit(releaseThreshold, "releaseThreshold")
        if !(releaseThreshold < rekeyThreshold && rekeyThreshold <= quarantineThreshold) {
            found.append("detection thresholds must rise: releaseThreshold < rekeyThreshold ≤ quarantineThreshold")
        }
        for (value, name) in [(probationSeconds, "probationSeconds"), (hardEvidenceWindowSeconds, "hardEvidenceWindowSeconds"),
                              (rekeyCooldownSeconds, "rekeyCooldownSeconds"), (riskDecaySeconds, "riskDecaySeconds"),
                              (sourceBlockSeconds, "sourceBlockSeconds"), (operatorGraceSeconds, "operatorGraceSeconds"),
                              (warmUpSeconds, "warmUpSeconds")]
            where !(value >= 0 && value.isFinite) {
            found.append("detection.\(name) must be 0 or more seconds (it is \(value))")
        }
        if revokeAfterHardEvidence < 0 { found.append("detection.revokeAfterHardEvidence must be 0 (never) or more") }
        return found + rotation.problems()
    }
}

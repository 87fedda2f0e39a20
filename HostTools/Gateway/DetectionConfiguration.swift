import Foundation

/// The detector's thresholds and timings (docs/detection.md §4–5). Part of the gateway's
/// configuration file (`detection`), so every field has a default and is optional in JSON.
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
    /// Points a model group learns online before its reference window turns over; only
    /// windows scored as normal are learned, so an attacker cannot teach the model slowly.
    public var onlineLearning = true
    /// The model scores a device only after this much of its history (its fading counts
    /// need time to fill; a device's first seconds look like nothing in training). The
    /// rules apply from the first event.
    public var warmUpSeconds = 60.0
    public var rotation = RotationConfiguration()

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DetectionConfiguration()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        modelFile = try c.decodeIfPresent(String.self, forKey: .modelFile) ?? d.modelFile
        rekeyThreshold = try c.decodeIfPresent(Double.self, forKey: .rekeyThreshold) ?? d.rekeyThreshold
        quarantineThreshold = try c.decodeIfPresent(Double.self, forKey: .quarantineThreshold) ?? d.quarantineThreshold
        releaseThreshold = try c.decodeIfPresent(Double.self, forKey: .releaseThreshold) ?? d.releaseThreshold
        probationSeconds = try c.decodeIfPresent(Double.self, forKey: .probationSeconds) ?? d.probationSeconds
        revokeAfterHardEvidence = try c.decodeIfPresent(Int.self, forKey: .revokeAfterHardEvidence) ?? d.revokeAfterHardEvidence
        hardEvidenceWindowSeconds = try c.decodeIfPresent(Double.self, forKey: .hardEvidenceWindowSeconds) ?? d.hardEvidenceWindowSeconds
        rekeyCooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .rekeyCooldownSeconds) ?? d.rekeyCooldownSeconds
        riskDecaySeconds = try c.decodeIfPresent(Double.self, forKey: .riskDecaySeconds) ?? d.riskDecaySeconds
        sourceBlockSeconds = try c.decodeIfPresent(Double.self, forKey: .sourceBlockSeconds) ?? d.sourceBlockSeconds
        operatorGraceSeconds = try c.decodeIfPresent(Double.self, forKey: .operatorGraceSeconds) ?? d.operatorGraceSeconds
        onlineLearning = try c.decodeIfPresent(Bool.self, forKey: .onlineLearning) ?? d.onlineLearning
        warmUpSeconds = try c.decodeIfPresent(Double.self, forKey: .warmUpSeconds) ?? d.warmUpSeconds
        rotation = try c.decodeIfPresent(RotationConfiguration.self, forKey: .rotation) ?? d.rotation
    }

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

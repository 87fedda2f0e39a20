import Foundation

/// One device's place in the staged response (docs/detection.md §4): its risk level, its
/// stage, the hard evidence against it, and what rotation needs to know of its session.
struct DevicePolicyState {
    enum Stage: Equatable {
        case normal
        /// Re-keyed on risk; back to normal after a clean probation.
        case watched(since: Double)
        /// Quarantined; `byOperator` quarantines are never lifted automatically.
        case quarantined(since: Double, byOperator: Bool)
        /// Released from a quarantine; new hard evidence quarantines again at once.
        case probation(since: Double)
        case revoked

        var name: String {
            switch self {
            case .normal: "normal"
            case .watched: "watched"
            case .quarantined(_, let byOperator): byOperator ? "quarantined (operator)" : "quarantined"
            case .probation: "probation"
            case .revoked: "revoked"
            }
        }
    }

    var stage = Stage.normal
    /// The risk level: the latest instant risk, or the faded earlier level if higher.
    private(set) var level = 0.0
    private(set) var levelUpdated = 0.0
    /// When the risk was last at or above the release threshold, or hard evidence came.
    var lastSuspicion = -Double.infinity
    var hardEvidence: [Double] = []
    var lastRiskRekey = -Double.infinity
    /// When hard evidence against the revoked device was last recorded (once per cooldown).
    var lastRecordedWhileRevoked = -Double.infinity
    var operatorGraceUntil = -Double.infinity
    /// The model group the device was last scored in.
    var group: Int? = nil
    var lastLearned = -Double.infinity
    var lastEvidence: [String] = []

    // Rotation: the live session as the events tell it.
    var sessionStart: Double? = nil
    var requestsSinceRekey = 0
    /// v of draft-ietf-core-oscore-key-limits: failed decryptions under the current key.
    var decryptionFailuresSinceRekey = 0
    /// Failures of any class linked to the device since its session began: after a risk
    /// re-key, one more means the re-key did not cure it.
    var failuresSinceSession = 0
    var rotationRequested = -Double.infinity

    func level(at time: Double, decay: Double) -> Double {
        guard level > 0, time > levelUpdated, decay > 0 else { return level }
        return level * exp(-(time - levelUpdated) / decay)
    }

    /// Raises the level to `risk` if it is higher than the faded level.
    mutating func raise(to risk: Double, at time: Double, decay: Double) {
        level = max(level(at: time, decay: decay), risk)
        levelUpdated = time
    }

    mutating func clearRisk(at time: Double) {
        level = 0
        levelUpdated = time
        hardEvidence.removeAll()
        lastSuspicion = -.infinity
    }
}

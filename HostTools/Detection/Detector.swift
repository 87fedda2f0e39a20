import Foundation
import RampartGateway
import RampartProtocol

/// The detector (docs/detection.md): reads the gateway's events, keeps per-device features,
/// applies the rules and the model, and decides — staged, with hysteresis and probation —
/// which devices to re-key, quarantine, release or revoke, which sources to block, and when
/// each device's key is due for rotation.
///
/// It only decides: the caller applies each `Decision` to the engine. The same object runs
/// in `rampart gateway` (fed from the event bus, on wall-clock seconds) and in the attack lab
/// (fed synchronously, on virtual seconds); all it needs of time is that it does not go back.
/// Not thread-safe: one owner feeds it.
public final class Detector {
    public let configuration: DetectionConfiguration
    private var extractor = FeatureExtractor()
    private var model: RiskModel?
    private var states: [[UInt8]: DevicePolicyState] = [:]
    /// Sources blocked, until when (so a flood yields one decision, not one per datagram).
    private var blockedUntil: [PeerAddress: Double] = [:]
    private var lastPrune = -Double.infinity
    /// Training: when set, the feature vectors the model would score — at events, past the
    /// warm-up — at most one per device per `sampleSeconds`, go to `sampleSink`.
    public var sampleSeconds = 0.0
    public var sampleSink: ((_ kid: [UInt8], _ time: Double, _ vector: [Double], _ profile: [Double]) -> Void)? = nil
    private var lastSampled: [[UInt8]: Double] = [:]

    public init(configuration: DetectionConfiguration = DetectionConfiguration(), model: DetectionModel?) {
        self.configuration = configuration
        self.model = model.map(RiskModel.init)
    }

    /// The model as it is now (online learning changes it), to save.
    public var currentModel: DetectionModel? { model?.model }

    // MARK: events

    /// Feeds one event; returns what to do now.
    public func observe(_ event: GatewayEvent.Kind, at time: Double) -> [Decision] {
        trackSessions(event, at: time)
        let update = extractor.observe(event, at: time)
        if let kid = update.kid, Self.isFailure(event) { states[kid]?.failuresSinceSession += 1 }
        var decisions: [Decision] = []
        for finding in update.findings {
            decisions += act(on: finding, at: time)
        }
        if let kid = update.kid, !update.findings.contains(where: { $0.subject == .device(kid) }) {
            decisions += assess(kid: kid, at: time)
        }
        return decisions
    }

    /// Time-driven decisions: probation releases, rotations. Call about once a second.
    public func tick(at time: Double) -> [Decision] {
        var decisions: [Decision] = []
        let decay = configuration.riskDecaySeconds
        for (kid, var state) in states {
            let level = state.level(at: time, decay: decay)
            switch state.stage {
            case .quarantined(_, false) where time - state.lastSuspicion >= configuration.probationSeconds
                && level < configuration.releaseThreshold:
                state.stage = .probation(since: time)
                decisions.append(Decision(
                    action: .device(.release, kid: kid), cause: .probation,
                    reason: Decision.reasonPrefix + "clean for \(Int(configuration.probationSeconds)) s; on probation",
                    evidence: ActionEvidence(score: level, evidence: ["probation"]), target: kid))
            case .probation(let since) where time - since >= configuration.probationSeconds
                && time - state.lastSuspicion >= configuration.probationSeconds:
                state.stage = .normal
            case .watched where time - state.lastRiskRekey >= configuration.probationSeconds
                && time - state.lastSuspicion >= configuration.probationSeconds:
                state.stage = .normal
            default:
                break
            }
            if let rotation = rotationDecision(kid: kid, state: &state, level: level, at: time) {
                decisions.append(rotation)
            }
            states[kid] = state
        }
        blockedUntil = blockedUntil.filter { $0.value > time }
        if time - lastPrune >= 60 {
            lastPrune = time
            extractor.prune(at: time)
            states = states.filter { kid, state in
                state.stage != .normal || state.sessionStart != nil || extractor.features(of: kid) != nil
            }
        }
        return decisions
    }

    // MARK: reading

    /// A device's risk now, its stage and the evidence behind its last verdict.
    public struct DeviceRisk: Sendable, Equatable {
        public let risk: Double
        public let stage: String
        public let group: String?
        public let evidence: [String]
    }

    public func risk(of kid: [UInt8], at time: Double) -> DeviceRisk? {
        guard let state = states[kid] else { return nil }
        return DeviceRisk(risk: state.level(at: time, decay: configuration.riskDecaySeconds), stage: state.stage.name,
                          group: state.group.flatMap { g in model.map { $0.groupNames[g] } },
                          evidence: state.lastEvidence)
    }

    /// The feature vector of a device now (for `rampart detect train` and diagnostics).
    public func features(of kid: [UInt8], at time: Double) -> (vector: [Double], profile: [Double])? {
        guard let features = extractor.features(of: kid) else { return nil }
        return (features.vector(at: time), features.profile(at: time))
    }

    // MARK: verdicts

    private func act(on finding: Finding, at time: Double) -> [Decision] {
        let evidence = ActionEvidence(score: 1, evidence: ["rule:\(finding.rule.rawValue)", finding.detail])
        let reason = Decision.reasonPrefix + finding.rule.rawValue
        switch finding.subject {
        case .source(let source):
            let until = time + configuration.sourceBlockSeconds
            guard (blockedUntil[source] ?? -.infinity) < time else { return [] }
            blockedUntil[source] = until
            return [Decision(action: .blockSource(source, seconds: configuration.sourceBlockSeconds), cause: .rule,
                             reason: reason, evidence: evidence, target: finding.target)]
        case .device(let kid):
            guard finding.implicatesCredential else { return [] }
            return hardEvidence(kid: kid, reason: reason, evidence: evidence, at: time)
        }
    }

    /// Hard evidence implicating the device's credential: quarantine, or revoke when it
    /// keeps coming. Hard evidence overrides an operator's grace period.
    private func hardEvidence(kid: [UInt8], reason: String, evidence: ActionEvidence, at time: Double) -> [Decision] {
        var state = states[kid] ?? DevicePolicyState()
        defer { states[kid] = state }
        state.raise(to: 1, at: time, decay: configuration.riskDecaySeconds)
        state.lastSuspicion = time
        state.lastEvidence = evidence.evidence
        switch state.stage {
        case .revoked:
            // Recorded (the ledger gets the evidence), changes nothing; once per cooldown,
            // not once per attempt.
            guard time - state.lastRecordedWhileRevoked >= configuration.rekeyCooldownSeconds else { return [] }
            state.lastRecordedWhileRevoked = time
            return [Decision(action: .device(.revokeRegistration, kid: kid), cause: .rule, reason: reason,
                             evidence: evidence, target: kid)]
        case .quarantined:
            return []
        case .normal, .watched, .probation:
            // Counted once per incident: evidence while quarantined is the same incident.
            state.hardEvidence = state.hardEvidence.filter { time - $0 < configuration.hardEvidenceWindowSeconds } + [time]
            let revoke = configuration.revokeAfterHardEvidence > 0
                && state.hardEvidence.count >= configuration.revokeAfterHardEvidence
            state.stage = revoke ? .revoked : .quarantined(since: time, byOperator: false)
            state.sessionStart = nil
            let detail = revoke ? " (hard evidence \(state.hardEvidence.count) times)" : ""
            return [Decision(action: .device(revoke ? .revokeRegistration : .quarantine, kid: kid), cause: .rule,
                             reason: reason + detail, evidence: evidence, target: kid)]
        }
    }

    /// Scores the device's features and moves it along the stages.
    private func assess(kid: [UInt8], at time: Double) -> [Decision] {
        guard let features = extractor.features(of: kid),
              time - (features.firstSeen ?? time) >= configuration.warmUpSeconds else { return [] }
        if let sampleSink, time - (lastSampled[kid] ?? -.infinity) >= sampleSeconds {
            lastSampled[kid] = time
            sampleSink(kid, time, features.vector(at: time), features.profile(at: time))
        }
        guard let model else { return [] }
        var state = states[kid] ?? DevicePolicyState()
        defer { states[kid] = state }
        let vector = features.vector(at: time)
        let assessment = model.assess(vector: vector, profile: features.profile(at: time))
        state.group = assessment.group
        state.raise(to: assessment.risk, at: time, decay: configuration.riskDecaySeconds)
        let level = state.level(at: time, decay: configuration.riskDecaySeconds)
        if assessment.risk == 0, configuration.onlineLearning, state.stage == .normal,
           time - state.lastLearned >= RiskModel.learningIntervalSeconds {
            state.lastLearned = time
            self.model?.learn(vector: vector, group: assessment.group)
        }
        if level >= configuration.releaseThreshold { state.lastSuspicion = time }
        guard time >= state.operatorGraceUntil, level >= configuration.rekeyThreshold else { return [] }
        let evidence = ActionEvidence(score: level, evidence: ["score:\(RiskModel.format(assessment.score))"]
                                      + model.explain(vector: vector, group: assessment.group))
        switch state.stage {
        case .quarantined, .revoked:
            return []
        case .normal, .watched, .probation:
            // Re-keyed on risk, a fresh session since, and failing again: the re-key did not
            // cure it (a relay on the path, forgeries under its context): quarantine now.
            var persists = false
            if case .watched(let since) = state.stage, let start = state.sessionStart, start > since,
               state.failuresSinceSession > 0 {
                persists = true
            }
            if level >= configuration.quarantineThreshold || persists {
                state.stage = .quarantined(since: time, byOperator: false)
                state.sessionStart = nil
                state.lastEvidence = evidence.evidence
                let why = persists ? "risk \(RiskModel.format(level)) persists after a re-key" : "risk \(RiskModel.format(level))"
                return [Decision(action: .device(.quarantine, kid: kid), cause: .risk,
                                 reason: Decision.reasonPrefix + why, evidence: evidence,
                                 target: kid)]
            }
            guard time - state.lastRiskRekey >= configuration.rekeyCooldownSeconds else { return [] }
            state.lastRiskRekey = time
            state.stage = .watched(since: time)
            state.sessionStart = nil
            state.lastEvidence = evidence.evidence
            return [Decision(action: .device(.forceRekey, kid: kid), cause: .risk,
                             reason: Decision.reasonPrefix + "risk \(RiskModel.format(level))", evidence: evidence,
                             target: kid)]
        }
    }

    // MARK: sessions, operators, rotation

    private static func isFailure(_ event: GatewayEvent.Kind) -> Bool {
        switch event {
        case .handshakeFailed: true
        case .oscoreRejected(_, _, let rejection): rejection == .decryptionFailed || rejection == .replay
        default: false
        }
    }

    /// Follows sessions (for rotation) and the actions taken — an operator's action
    /// (no detector evidence) overrides the detector's stage.
    private func trackSessions(_ event: GatewayEvent.Kind, at time: Double) {
        switch event {
        case .handshakeSucceeded(let kid, _, _, _, _):
            var state = states[kid] ?? DevicePolicyState()
            state.sessionStart = time
            state.failuresSinceSession = 0
            state.requestsSinceRekey = 0
            state.decryptionFailuresSinceRekey = 0
            states[kid] = state
        case .oscoreAccepted(let kid, _, _, _, _):
            states[kid]?.requestsSinceRekey += 1
        case .oscoreRejected(let kid?, _, .decryptionFailed):
            states[kid]?.decryptionFailuresSinceRekey += 1
        case .actionTaken(let kid, let action, _, _, let evidence) where evidence == nil:
            var state = states[kid] ?? DevicePolicyState()
            switch action {
            case .release:
                state.stage = .normal
                state.clearRisk(at: time)
                state.operatorGraceUntil = time + configuration.operatorGraceSeconds
            case .quarantine:
                state.stage = .quarantined(since: time, byOperator: true)
                state.sessionStart = nil
            case .revokeRegistration:
                state.stage = .revoked
                state.sessionStart = nil
            case .revokeSession, .forceRekey:
                state.sessionStart = nil
            }
            states[kid] = state
        default:
            break
        }
    }

    /// A re-key when the session outlived its interval at the device's risk, or its key
    /// neared its AEAD limits. One request per 30 s at most while the device re-keys.
    private func rotationDecision(kid: [UInt8], state: inout DevicePolicyState, level: Double,
                                  at time: Double) -> Decision? {
        let rotation = configuration.rotation
        guard rotation.enabled, let start = state.sessionStart, time - state.rotationRequested >= 30 else { return nil }
        switch state.stage {
        case .quarantined, .revoked: return nil
        case .normal, .watched, .probation: break
        }
        let group = state.group.flatMap { g in model.map { $0.groupNames[g] } }
        let interval = rotation.interval(risk: level, group: group)
        let usageQ = Double(state.requestsSinceRekey) / Double(OSCOREKeyUsage.limitQ)
        let usageV = Double(state.decryptionFailuresSinceRekey) / Double(OSCOREKeyUsage.limitV)
        let cause: Decision.Cause
        let why: String
        if max(usageQ, usageV) >= rotation.usageFraction {
            cause = .usage
            why = "key usage q \(state.requestsSinceRekey), v \(state.decryptionFailuresSinceRekey)"
        } else if time - start >= interval {
            cause = .rotation
            why = "session \(Int(time - start)) s old; interval \(Int(interval)) s at risk \(RiskModel.format(level))"
        } else {
            return nil
        }
        state.rotationRequested = time
        state.sessionStart = nil
        return Decision(action: .device(.forceRekey, kid: kid), cause: cause, reason: Decision.reasonPrefix + why,
                        evidence: ActionEvidence(score: level, evidence: ["rotation"]), target: kid)
    }
}

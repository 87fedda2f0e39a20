import Foundation
import RampartGateway
import Testing
@testable import RampartDetection

/// The detector on hand-made event streams: each rule, the staged policy with its hysteresis
/// and probation, operator overrides, rotation, and the feature extractor's bookkeeping.
@Suite struct DetectorTests {
    static let kid: [UInt8] = [0xD1, 0x01]
    static let home = PeerAddress.udp(host: "10.0.0.1", port: 5000)
    static let away = PeerAddress.udp(host: "198.51.100.7", port: 4000)

    static func device(_ detector: Detector, at time: Double, from source: PeerAddress = home, session: UInt32 = 1) -> [Decision] {
        detector.observe(.handshakeSucceeded(kid: kid, source: source, suite: 0, session: session, durationMicroseconds: 900),
                         at: time)
    }

    static func actions(_ decisions: [Decision]) -> [String] {
        decisions.map {
            switch $0.action {
            case .device(let action, _): action.rawValue
            case .blockSource: "block-source"
            }
        }
    }

    @Test func macFailureForARegisteredKidQuarantinesThenRevokesOnRepeats() {
        var configuration = DetectionConfiguration()
        configuration.probationSeconds = 10
        configuration.riskDecaySeconds = 2
        let detector = Detector(configuration: configuration, model: nil)
        let failure = GatewayEvent.Kind.handshakeFailed(kid: Self.kid, source: Self.away, failure: .authenticationFailed)
        let first = detector.observe(failure, at: 100)
        #expect(Self.actions(first) == ["quarantine"])
        #expect(first.first?.evidence.evidence.first == "rule:message3-authentication-failed")
        #expect(first.first?.reason.hasPrefix(Decision.reasonPrefix) == true)
        // Quarantined: the same evidence again changes nothing.
        #expect(detector.observe(failure, at: 101).isEmpty)
        // Clean probation: released.
        #expect(Self.actions(detector.tick(at: 105)).isEmpty)
        #expect(Self.actions(detector.tick(at: 112)) == ["release"])
        #expect(detector.risk(of: Self.kid, at: 112)?.stage == "probation")
        // Hard evidence on probation: quarantined again at once; the third time revoked.
        #expect(Self.actions(detector.observe(failure, at: 113)) == ["quarantine"])
        #expect(Self.actions(detector.tick(at: 130)) == ["release"])
        #expect(Self.actions(detector.observe(failure, at: 131)) == ["revoke-registration"])
        #expect(detector.risk(of: Self.kid, at: 131)?.stage == "revoked")
    }

    @Test func replayedMessage1BlocksTheReplayingSourceNotTheDevice() {
        let detector = Detector(model: nil)
        let fingerprint: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        _ = detector.observe(.handshakeStarted(source: Self.home, suite: 0, ephemeralFingerprint: fingerprint, session: 7), at: 10)
        _ = Self.device(detector, at: 10.1, session: 7)
        let replay = detector.observe(.handshakeStarted(source: Self.away, suite: 0, ephemeralFingerprint: fingerprint,
                                                        session: 8), at: 50)
        #expect(replay.count == 1)
        #expect(replay.first?.action == .blockSource(Self.away, seconds: DetectionConfiguration().sourceBlockSeconds))
        #expect(replay.first?.target == Self.kid)
        // Blocked already: a second replay makes no second decision.
        #expect(detector.observe(.handshakeStarted(source: Self.away, suite: 0, ephemeralFingerprint: fingerprint,
                                                   session: 9), at: 51).isEmpty)
    }

    @Test func aForgedRequestFromElsewhereBlocksItsSourceButOneFromTheDevicesOwnDoesNot() {
        let detector = Detector(model: nil)
        _ = Self.device(detector, at: 10)
        _ = detector.observe(.oscoreAccepted(kid: Self.kid, source: Self.home, sequenceNumber: 1, payloadBytes: 8,
                                             reading: nil), at: 11)
        // A tag that does not verify, from the device's own address: noise for the model, no rule.
        #expect(detector.observe(.oscoreRejected(kid: Self.kid, source: Self.home, rejection: .decryptionFailed),
                                 at: 12).isEmpty)
        // From another address: forged or altered on the way; its sender is blocked, the device left alone.
        let forged = detector.observe(.oscoreRejected(kid: Self.kid, source: Self.away, rejection: .decryptionFailed),
                                      at: 13)
        #expect(forged.first?.action == .blockSource(Self.away, seconds: DetectionConfiguration().sourceBlockSeconds))
        #expect(forged.first?.evidence.evidence.first == "rule:oscore-forgery")
        #expect(forged.first?.target == Self.kid)
        #expect(detector.risk(of: Self.kid, at: 13)?.stage != "quarantined")
    }

    @Test func aDeviceThatMovesIsNotACloneButAKidInTwoPlacesIs() {
        let detector = Detector(model: nil)
        #expect(Self.device(detector, at: 0, from: Self.home).isEmpty)
        // A reboot on a new address: A → B.
        let moved = PeerAddress.udp(host: "10.0.0.1", port: 5001)
        #expect(Self.device(detector, at: 30, from: moved).isEmpty)
        #expect(Self.device(detector, at: 90, from: moved).isEmpty)
        // Now A → B → A within the window: two places at once.
        let clone = Self.device(detector, at: 100, from: Self.away) + Self.device(detector, at: 101, from: moved)
        #expect(Self.actions(clone) == ["quarantine"])
        #expect(clone.first?.evidence.evidence.first == "rule:one-kid-two-places")
    }

    @Test func thePreviousAddressAnsweringAPingIsACloneAtOnce() {
        let detector = Detector(model: nil)
        #expect(Self.device(detector, at: 0, from: Self.home).isEmpty)
        #expect(Self.device(detector, at: 30, from: Self.away).isEmpty)
        let answered = detector.observe(.previousPeerAnswered(kid: Self.kid, previous: Self.home, current: Self.away), at: 30.02)
        #expect(Self.actions(answered) == ["quarantine"])
        #expect(answered.first?.evidence.evidence.first == "rule:one-kid-two-places")
    }

    @Test(arguments: [false, true])
    func requestsLostToAnOutageAreNotSequenceGapsButSkippedOnesAre(outage: Bool) {
        let detector = Detector(model: nil)
        _ = Self.device(detector, at: 0)
        for second in 1...30 {
            _ = detector.observe(.oscoreAccepted(kid: Self.kid, source: Self.home, sequenceNumber: UInt64(second),
                                                 payloadBytes: 8, reading: nil), at: Double(second))
        }
        // Twenty Partial IVs skipped: after five minutes of silence, or one second after the last.
        let next = outage ? 330.0 : 31.0
        _ = detector.observe(.oscoreAccepted(kid: Self.kid, source: Self.home, sequenceNumber: 51, payloadBytes: 8,
                                             reading: nil), at: next)
        let vector = detector.features(of: Self.kid, at: next)?.vector ?? []
        let gaps = vector[Feature.sequenceGapsLong.rawValue]
        let jitter = vector[Feature.interArrivalJitter.rawValue]
        if outage {
            #expect(gaps == 0)
            #expect(jitter < 0.1)
        } else {
            #expect(gaps > 15)
        }
    }

    @Test func requestsOnAnOlderSessionAfterAPeerGatewaysHandshakeAreTwoHolders() {
        let detector = Detector(model: nil)
        func request(_ n: UInt64, at time: Double) -> [Decision] {
            detector.observe(.oscoreAccepted(kid: Self.kid, source: Self.home, sequenceNumber: n, payloadBytes: 8,
                                             reading: nil), at: time)
        }
        _ = Self.device(detector, at: 0)
        // The device moved to the peer, then came back here with a new handshake: no finding.
        _ = detector.observe(.sessionOnPeer(kid: Self.kid, gateway: "00aa00aa00aa00aa"), at: 10)
        _ = Self.device(detector, at: 20, session: 2)
        #expect(request(1, at: 25).isEmpty)
        // A peer's handshake; a request already in flight is not evidence, a later one is.
        _ = detector.observe(.sessionOnPeer(kid: Self.kid, gateway: "00aa00aa00aa00aa"), at: 30)
        #expect(request(2, at: 31).isEmpty)
        let later = request(3, at: 33)
        #expect(Self.actions(later) == ["quarantine"])
        #expect(later.first?.evidence.evidence.first == "rule:one-kid-two-gateways")
    }

    @Test func aFloodFromOneSourceIsBlockedOnce() {
        let detector = Detector(model: nil)
        var decisions: [Decision] = []
        for i in 0..<60 {
            decisions += detector.observe(.handshakeStarted(source: Self.away, suite: 0,
                                                            ephemeralFingerprint: [UInt8(i), 9, 9, 9, 9, 9, 9, 9],
                                                            session: UInt32(i)), at: Double(i) * 0.05)
        }
        #expect(Self.actions(decisions) == ["block-source"])
        #expect(decisions.first?.evidence.evidence.first == "rule:handshake-flood")
    }

    @Test func aRevokedCredentialInUseIsRecordedNotRepeatedPerAttempt() {
        let detector = Detector(model: nil)
        _ = detector.observe(.actionTaken(kid: Self.kid, action: .revokeRegistration, reason: "stolen", changed: true,
                                          evidence: nil), at: 0)
        let attempt = GatewayEvent.Kind.handshakeFailed(kid: Self.kid, source: Self.away, failure: .revoked)
        #expect(Self.actions(detector.observe(attempt, at: 10)) == ["revoke-registration"])
        #expect(detector.observe(attempt, at: 15).isEmpty)
        #expect(Self.actions(detector.observe(attempt, at: 45)) == ["revoke-registration"])
    }

    @Test func anOperatorsReleaseClearsTheRiskAndAnOperatorsQuarantineIsNeverLiftedAutomatically() {
        var configuration = DetectionConfiguration()
        configuration.probationSeconds = 5
        let detector = Detector(configuration: configuration, model: nil)
        _ = detector.observe(.actionTaken(kid: Self.kid, action: .quarantine, reason: "operator", changed: true, evidence: nil),
                             at: 0)
        #expect(detector.risk(of: Self.kid, at: 0)?.stage == "quarantined (operator)")
        #expect(detector.tick(at: 100).isEmpty)
        _ = detector.observe(.actionTaken(kid: Self.kid, action: .release, reason: "operator", changed: true, evidence: nil),
                             at: 101)
        #expect(detector.risk(of: Self.kid, at: 101)?.stage == "normal")
        #expect(detector.risk(of: Self.kid, at: 101)?.risk == 0)
        // The detector's own actions (with evidence) are not mistaken for an operator's.
        _ = detector.observe(.actionTaken(kid: Self.kid, action: .quarantine, reason: "detector: x", changed: true,
                                          evidence: ActionEvidence(score: 1, evidence: [])), at: 102)
        #expect(detector.risk(of: Self.kid, at: 102)?.stage == "normal")
    }

    @Test func rotationFollowsTheIntervalAndTheKeyUsage() {
        var configuration = DetectionConfiguration()
        configuration.rotation.baseIntervalSeconds = 100
        let detector = Detector(configuration: configuration, model: nil)
        _ = Self.device(detector, at: 0)
        #expect(detector.tick(at: 99).isEmpty)
        let due = detector.tick(at: 100)
        #expect(Self.actions(due) == ["force-rekey"])
        #expect(due.first?.cause == .rotation)
        // Asked once: no second request while the device re-keys.
        #expect(detector.tick(at: 101).isEmpty)
        // A new session restarts the clock.
        _ = Self.device(detector, at: 110, session: 2)
        #expect(detector.tick(at: 150).isEmpty)
    }

    @Test(arguments: [(0.0, 600.0), (0.1, 300.0), (0.2, 150.0), (1.0, 15.0)])
    func rotationIntervalShrinksWithRisk(risk: Double, expected: Double) {
        let rotation = RotationConfiguration()
        #expect(abs(rotation.interval(risk: risk, group: nil) - expected) < 1e-9)
    }

    @Test func expectedRekeysAndForcedContextLossAreNotBehaviour() {
        let detector = Detector(model: nil)
        _ = Self.device(detector, at: 0)
        let before = detector.features(of: Self.kid, at: 50)!.vector
        _ = detector.observe(.actionTaken(kid: Self.kid, action: .forceRekey, reason: "detector: rotation", changed: true,
                                          evidence: ActionEvidence(score: 0, evidence: ["rotation"])), at: 50)
        _ = detector.observe(.oscoreRejected(kid: nil, source: Self.home, rejection: .unknownContext), at: 51)
        _ = Self.device(detector, at: 51.2, session: 2)
        let after = detector.features(of: Self.kid, at: 51.2)!.vector
        #expect(after[Feature.handshakeFailuresShort.rawValue] == 0)
        #expect(after[Feature.handshakesShort.rawValue] <= before[Feature.handshakesShort.rawValue])
        // An unexpected handshake (no forced re-key before it) counts.
        _ = Self.device(detector, at: 52, session: 3)
        #expect(detector.features(of: Self.kid, at: 52)!.vector[Feature.handshakesShort.rawValue] > 0.9)
    }

    @Test func configurationProblemsAreNamed() {
        var configuration = DetectionConfiguration()
        #expect(configuration.problems().isEmpty)
        configuration.releaseThreshold = 0.5
        configuration.rekeyThreshold = 0.4
        configuration.rotation.halvingRisk = 0
        let problems = configuration.problems()
        #expect(problems.contains { $0.contains("thresholds must rise") })
        #expect(problems.contains { $0.contains("halvingRisk") })
    }
}

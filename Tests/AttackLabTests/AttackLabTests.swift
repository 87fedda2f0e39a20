import Foundation
import Testing
@testable import RampartAttackLab
@testable import RampartDetection

/// The attack lab end to end on virtual time: a clean fleet raises no verdict, each attack
/// class is detected and answered, and a model trained on clean traffic catches what no rule
/// can (spoofed telemetry).
@Suite struct AttackLabTests {
    static func quick(_ scenario: Scenario, seed: UInt64 = 5, model: DetectionModel? = nil,
                      sample: Double = 0) throws -> LabRecord {
        try AttackLab.run(LabOptions(scenario: scenario, seed: seed, devices: 12, durationSeconds: 240,
                                     attackStartSeconds: 120, attackSeconds: 90, model: model,
                                     featureSampleSeconds: sample))
    }

    @Test func cleanFleetRunsWithoutVerdicts() throws {
        let record = try Self.quick(.clean)
        #expect(record.handshakes >= 12)
        #expect(record.requestsAccepted > 12 * 100)
        #expect(Evaluation.falsePositives(record).isEmpty)
    }

    @Test(arguments: [AttackClass.impersonation, .clone, .stolenKey, .handshakeFlood, .replayMessage1, .replayMessage3,
                      .replayOSCORE, .lowAndSlow, .mitmRelay])
    func rulesCatchHardEvidence(attack: AttackClass) throws {
        let record = try Self.quick(Scenario(name: attack.rawValue, attacks: [attack]))
        let outcome = try #require(Evaluation.outcomes(record).first)
        #expect(outcome.detected)
        #expect(outcome.timeToRecover != nil)
        #expect(Evaluation.falsePositives(record).isEmpty)
    }
}

/// A model trained on clean runs (seeds 1 and 2) catches the attacks only the model can see,
/// on another seed, and stays quiet on clean traffic of yet another seed.
@Suite(.serialized) struct AttackLabModelTests {
    /// Trained once for the suite; a failure fails each test instead of crashing the run.
    static let trained = Result<DetectionModel, any Error> {
        var options = LabTraining.Options()
        options.devices = 12
        options.durationSeconds = 900
        return try LabTraining.train(options)
    }

    @Test(arguments: [AttackClass.telemetrySpoofing])
    func modelCatchesWhatNoRuleSees(attack: AttackClass) throws {
        let record = try AttackLabTests.quick(Scenario(name: attack.rawValue, attacks: [attack]), seed: 7, model: Self.trained.get())
        let outcome = try #require(Evaluation.outcomes(record).first)
        #expect(outcome.detected)
        #expect(Evaluation.falsePositives(record).isEmpty)
    }

    @Test func cleanTrafficStaysQuietWithTheModel() throws {
        let record = try AttackLab.run(LabOptions(scenario: .clean, seed: 9, devices: 12, durationSeconds: 1200,
                                                  model: Self.trained.get()))
        let falsePositives = Evaluation.falsePositives(record)
        #expect(falsePositives.isEmpty)
    }
}

import RampartDetection

/// `rampart detect train` on the lab: runs clean fleets with the rules alone, samples every
/// device's features every few seconds, and trains the model on them (`ModelTrainer`).
public enum LabTraining {
    public struct Options: Sendable {
        public var seeds: [UInt64] = [1, 2]
        public var devices = 40
        public var durationSeconds = 1800.0
        public var sampleSeconds = 1.0
        /// Reboots come more often than in the evaluation (every 30 min rather than 12 h), so
        /// that training sees enough of the benign rare states (a new address, an unscheduled
        /// handshake) to learn them as normal.
        public var meanSecondsBetweenReboots = 1800.0
        /// Outages likewise (every 15 min rather than 6 h): a device back after minutes of
        /// silence is normal.
        public var meanSecondsBetweenOutages = 900.0
        public var trainer = ModelTrainer.Options()

        public init() {}
    }

    /// The feature samples of clean runs.
    public static func samples(_ options: Options, progress: ((String) -> Void)? = nil) throws -> [ModelTrainer.Sample] {
        var samples: [ModelTrainer.Sample] = []
        for seed in options.seeds {
            progress?("clean run, seed \(seed): \(options.devices) devices for \(Int(options.durationSeconds)) s (virtual)")
            let record = try AttackLab.run(LabOptions(scenario: .clean, seed: seed, devices: options.devices,
                                                      durationSeconds: options.durationSeconds,
                                                      meanSecondsBetweenReboots: options.meanSecondsBetweenReboots,
                                                      meanSecondsBetweenOutages: options.meanSecondsBetweenOutages, model: nil,
                                                      featureSampleSeconds: options.sampleSeconds))
            samples += record.featureSamples.map { ModelTrainer.Sample(kid: $0.kid, vector: $0.vector, profile: $0.profile) }
        }
        return samples
    }

    public static func train(_ options: Options, progress: ((String) -> Void)? = nil) throws -> DetectionModel {
        let samples = try samples(options, progress: progress)
        let seeds = options.seeds.map(String.init).joined(separator: ",")
        return try ModelTrainer.train(samples, options: options.trainer,
                                      trainedOn: "lab clean runs, seeds \(seeds), \(options.devices) devices × \(Int(options.durationSeconds)) s, \(samples.count) feature vectors")
    }
}

import ArgumentParser
import Foundation
import RampartAttackLab
import RampartDetection
import RampartGateway

/// `rampart detect`: train the detector's model, and measure detection quality in the lab.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Train the intrusion detector's model and evaluate detection in the attack lab.",
        discussion: """
            The detector (docs/detection.md) combines rules for hard evidence with Half-Space \
            Trees learned from each device group's normal behaviour. `train` runs clean fleets \
            in the attack lab (virtual time, the gateway's own engine and detector), records \
            their events as feature vectors, groups the devices with k-means and writes the \
            model file the gateway loads (detection.modelFile in its data directory). \
            `evaluate` runs every attack scenario on other seeds and reports detection rate, \
            time to detect and recover, false positives and goodput.
            """,
        subcommands: [DetectTrainCommand.self, DetectEvaluateCommand.self])
}

struct DetectTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on clean lab traffic and write the model file.",
        discussion: """
            Example: rampart detect train --model rampart-data/detection-model.json
            """)

    @Option(help: ArgumentHelp("Where to write the model (JSON, versioned).", valueName: "FILE"))
    var model: String = "rampart-data/detection-model.json"

    @Option(help: ArgumentHelp("Seeds of the clean training runs, comma-separated (keep them apart from evaluation seeds).",
                               valueName: "S,S"))
    var seeds: String = "1,2"

    @Option(help: ArgumentHelp("Devices per training run.", valueName: "N"))
    var devices: Int = 40

    @Option(help: ArgumentHelp("Virtual seconds per training run.", valueName: "SECONDS"))
    var duration: Double = 1800

    @Option(help: ArgumentHelp("""
        Train on recorded events instead (JSON lines from `rampart sim --scenario clean --record-events FILE`); \
        repeat for several files.
        """, valueName: "FILE"))
    var events: [String] = []

    @Option(help: ArgumentHelp("Behaviour groups at most (k-means picks fewer when devices do not differ).", valueName: "K"))
    var groups: Int = 4

    func validate() throws {
        guard (try? parseSeeds(seeds)) != nil else { throw ValidationError("--seeds must be numbers separated by commas, e.g. 1,2") }
        guard devices >= 4, devices <= 10_000 else { throw ValidationError("--devices must be between 4 and 10000") }
        guard duration >= 300, duration.isFinite else { throw ValidationError("--duration must be at least 300 seconds") }
        guard (1...8).contains(groups) else { throw ValidationError("--groups must be between 1 and 8") }
    }

    func run() throws {
        var options = LabTraining.Options()
        options.seeds = try parseSeeds(seeds)
        options.devices = devices
        options.durationSeconds = duration
        options.trainer.maxGroups = groups
        let trained: DetectionModel
        do {
            if events.isEmpty {
                trained = try LabTraining.train(options) { note("detect train: \($0)") }
            } else {
                var samples: [ModelTrainer.Sample] = []
                var count = 0
                for path in events {
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw CommandFailure("cannot read \(path)")
                    }
                    let replayed = try EventLogTraining.samples(fromLines: text.split(separator: "\n"))
                    samples += replayed.samples
                    count += replayed.events
                    note("detect train: \(path): \(replayed.events) events, \(replayed.samples.count) feature vectors")
                }
                trained = try ModelTrainer.train(samples, options: options.trainer,
                                                 trainedOn: "recorded events: \(events.joined(separator: ", ")) (\(count) events)")
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("training failed: \(error)")
        }
        let directory = (model as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        do { try trained.write(to: model) } catch { throw CommandFailure("\(error)") }
        print("model: \(model)")
        print("trained on: \(trained.trainedOn)")
        for group in trained.groups {
            print("  \(group.name): \(group.deviceCount) devices, score p99.9 \(String(format: "%.3f", group.scoreP999))")
        }
    }
}

struct DetectEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure detection quality on every attack scenario (a benchmark; minutes of CPU).",
        discussion: """
            Runs every scenario of `rampart sim --scenario` on --seeds (not the training seeds), \
            plus clean runs for false positives, the risk-adaptive rotation against a fixed 120 s \
            one, and the detector's cost per event. With --plots DIR, one SVG of risk over time \
            per run. Without --model, trains one first on seeds 1 and 2.

            Example: rampart detect evaluate --json --plots plots/
            """)

    @Option(help: ArgumentHelp("The model file (default: train one first).", valueName: "FILE"))
    var model: String?

    @Option(help: ArgumentHelp("Evaluation seeds, comma-separated.", valueName: "S,S"))
    var seeds: String = "101,102,103"

    @Option(help: ArgumentHelp("Devices per run.", valueName: "N"))
    var devices: Int = 40

    @Option(help: ArgumentHelp("Virtual seconds per attack run (the attack starts at 300 s and lasts 300 s).",
                               valueName: "SECONDS"))
    var duration: Double = 900

    @Option(name: .customLong("clean-runs"), help: ArgumentHelp("Clean one-hour runs for the false-positive base.", valueName: "N"))
    var cleanRuns: Int = 4

    @Option(help: ArgumentHelp("Write one risk-over-time SVG per run here.", valueName: "DIR"))
    var plots: String?

    @Flag(help: "Print one flat JSON object.")
    var json = false

    func validate() throws {
        guard (try? parseSeeds(seeds)) != nil else { throw ValidationError("--seeds must be numbers separated by commas") }
        guard devices >= 4, devices <= 10_000 else { throw ValidationError("--devices must be between 4 and 10000") }
        guard duration >= 700 else { throw ValidationError("--duration must be at least 700 s (attacks run from 300 s to 600 s)") }
        guard cleanRuns >= 0 else { throw ValidationError("--clean-runs must be 0 or more") }
    }

    func run() throws {
        let configuration = DetectionConfiguration()
        let trained: DetectionModel
        if let model {
            do {
                trained = try DetectionModel.read(from: model, expectedFeatureNames: Feature.names,
                                                  expectedProfileFeatureNames: ProfileFeature.names)
            } catch {
                throw CommandFailure("\(error)")
            }
        } else {
            note("detect evaluate: no --model; training one on seeds 1,2")
            trained = try LabTraining.train(LabTraining.Options()) { note("detect evaluate: train: \($0)") }
        }
        var options = EvaluationRun.Options()
        options.seeds = try parseSeeds(seeds)
        options.devices = devices
        options.durationSeconds = duration
        options.cleanRuns = cleanRuns
        options.detection = configuration
        let result = try EvaluationRun.run(options, model: trained) { note("detect evaluate: \($0)") }
        if let plots {
            try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
            for record in result.records {
                let path = (plots as NSString).appendingPathComponent("\(record.scenario)-seed\(record.seed).svg")
                try RiskPlot.svg(record, rekeyThreshold: configuration.rekeyThreshold,
                                 quarantineThreshold: configuration.quarantineThreshold)
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
            note("detect evaluate: plots in \(plots)")
        }
        let json = EvaluationRun.json(result, options: options, host: hostMachine())
        if self.json {
            print(json)
        } else {
            print("command: rampart detect evaluate --seeds \(seeds) --devices \(devices) --duration \(Int(duration)) --clean-runs \(cleanRuns)")
            for c in result.summary.perClass {
                print("\(c.attack.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) detected \(c.instances > 0 ? String(format: "%.2f", c.detectionRate) : "-")  ttd p95 \(fmt(c.timeToDetectP95)) s  ttr p95 \(fmt(c.timeToRecoverP95)) s")
            }
            print(json)
        }
    }

    func fmt(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
}

func parseSeeds(_ text: String) throws -> [UInt64] {
    let seeds = text.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    guard !seeds.isEmpty, seeds.allSatisfy({ $0 != nil }) else { throw CommandFailure("invalid seeds: \(text)") }
    return seeds.map { $0! }
}

func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func hostMachine() -> String {
    var host = utsname()
    uname(&host)
    return withUnsafeBytes(of: &host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

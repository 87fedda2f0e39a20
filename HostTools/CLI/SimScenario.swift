import Foundation
import RampartAttackLab
import RampartDetection
import RampartGateway

/// `rampart sim --scenario NAME`: one attack-lab run, its verdicts next to the ground truth.
extension SimCommand {
    func runScenario(_ scenario: Scenario) throws {
        let configuration = DetectionConfiguration()
        var loaded: DetectionModel? = nil
        if let model {
            do {
                loaded = try DetectionModel.read(from: model, expectedFeatureNames: Feature.names,
                                                 expectedProfileFeatureNames: ProfileFeature.names)
            } catch {
                throw CommandFailure("\(error)")
            }
        } else if !noDetector {
            note("sim: no --model: the detector acts on its rules alone (train one with `rampart detect train`)")
        }
        let options = LabOptions(scenario: scenario, seed: seed, devices: devices, durationSeconds: duration,
                                 attackStartSeconds: attackStart, attackSeconds: attackDuration,
                                 detection: noDetector ? nil : configuration, model: loaded)
        var recorder: EventFile? = nil
        if let recordEvents {
            guard let file = EventFile(path: recordEvents) else {
                throw CommandFailure("cannot create \(recordEvents)")
            }
            recorder = file
        }
        let record: LabRecord
        do {
            record = try AttackLab.run(options, progress: { share in
                note("sim: \(Int(share * 100))% of \(Int(options.durationSeconds)) virtual seconds")
            }, eventTap: recorder.map { file in { time, event in file.write(event, at: time) } })
        } catch {
            throw CommandFailure("\(error)")
        }
        recorder?.close()
        if let plot {
            do {
                try RiskPlot.svg(record, rekeyThreshold: configuration.rekeyThreshold,
                                 quarantineThreshold: configuration.quarantineThreshold)
                    .write(toFile: plot, atomically: true, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot write the plot to \(plot): \(error)")
            }
        }
        let outcomes = Evaluation.outcomes(record)
        let falsePositives = Evaluation.falsePositives(record)
        if json {
            print(Self.scenarioJSON(record, outcomes: outcomes, falsePositives: falsePositives.count))
            return
        }
        print("scenario \(scenario.name): \(scenario.summary)")
        print("seed \(seed), \(devices) devices, \(Int(duration)) s virtual in \(String(format: "%.1f", record.wallSeconds)) s; " +
              "\(record.handshakes) handshakes, \(record.requestsAccepted) requests accepted, \(record.events) events")
        for label in record.labels {
            print("attack \(label.attack.rawValue) on \(label.target) from \(label.sources.joined(separator: ", ").isEmpty ? "the device itself" : label.sources.joined(separator: ", ")), \(Int(label.start))–\(Int(label.end)) s")
        }
        for verdict in record.decisions where verdict.cause != "rotation" {
            print(String(format: "%8.2f s  ", verdict.time) + "\(verdict.action) \(verdict.subject)  (\(verdict.reason); \(verdict.evidence.joined(separator: ", ")))")
        }
        for outcome in outcomes {
            print("\(outcome.attack.rawValue): " + (outcome.detected
                ? "detected after \(String(format: "%.2f", outcome.timeToDetect ?? 0)) s, recovered \(outcome.timeToRecover.map { String(format: "%.2f s later", $0) } ?? "not within the run")"
                : "NOT detected"))
        }
        print("false positives: \(falsePositives.count); rotations: \(record.decisions.filter { $0.cause == "rotation" || $0.cause == "usage" }.count)")
        if let plot { print("plot: \(plot)") }
    }

    static func scenarioJSON(_ record: LabRecord, outcomes: [Evaluation.Outcome], falsePositives: Int) -> String {
        var pairs: [(String, String)] = [
            ("scenario", "\"\(record.scenario)\""), ("seed", "\(record.seed)"), ("devices", "\(record.devices)"),
            ("duration_s", "\(record.durationSeconds)"), ("handshakes", "\(record.handshakes)"),
            ("requests_accepted", "\(record.requestsAccepted)"), ("false_positives", "\(falsePositives)"),
            ("verdicts", "\(record.decisions.filter { $0.cause == "rule" || $0.cause == "risk" }.count)"),
            ("wall_s", String(format: "%.3f", record.wallSeconds)),
        ]
        for outcome in outcomes {
            let key = outcome.attack.rawValue.replacingOccurrences(of: "-", with: "_")
            pairs.append(("\(key)_detected", outcome.detected ? "true" : "false"))
            pairs.append(("\(key)_time_to_detect_s", outcome.timeToDetect.map { String(format: "%.3f", $0) } ?? "null"))
            pairs.append(("\(key)_time_to_recover_s", outcome.timeToRecover.map { String(format: "%.3f", $0) } ?? "null"))
            pairs.append(("\(key)_unaffected_goodput_drop", outcome.unaffectedGoodputDrop.map { String(format: "%.4f", $0) } ?? "null"))
        }
        return "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

/// JSON lines of `EventRecord`, buffered. Used by one task at a time (hence `@unchecked`).
final class EventFile: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()
    private let encoder = JSONEncoder()

    init?(path: String) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else { return nil }
        self.handle = handle
        encoder.outputFormatting = [.sortedKeys]
    }

    func write(_ event: GatewayEvent.Kind, at time: Double) {
        guard let record = EventRecord(event, at: time), let line = try? encoder.encode(record) else { return }
        buffer.append(line)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        try? handle.close()
    }
}

/// Detection quality from lab runs (issue 7 §7, docs/detection.md §7): per attack the
/// detection, the time to detect and to recover, the unaffected devices' goodput; per run
/// the false positives.
public enum Evaluation {
    /// A verdict this long after an attack ends still counts as its detection.
    public static let lateDetectionSeconds = 60.0

    public struct Outcome: Sendable, Codable, Equatable {
        public let attack: AttackClass
        public let seed: UInt64
        public let target: String
        public let detected: Bool
        public let timeToDetect: Double?
        public let timeToRecover: Double?
        /// 1 − (unaffected devices' accepted requests per second during the attack) / (before it).
        public let unaffectedGoodputDrop: Double?
    }

    /// Verdicts that no attack explains: on a device or source no label names, or outside
    /// every attack's window.
    public static func falsePositives(_ record: LabRecord) -> [LabRecord.Verdict] {
        record.decisions.filter { verdict in
            guard verdict.cause == "rule" || verdict.cause == "risk" else { return false }
            return !record.labels.contains { label in
                let inWindow = verdict.time >= label.start && verdict.time <= label.end + lateDetectionSeconds
                return inWindow && concerns(verdict, label)
            }
        }
    }

    static func concerns(_ verdict: LabRecord.Verdict, _ label: AttackLabel) -> Bool {
        verdict.subject == label.target || verdict.target == label.target || label.sources.contains(verdict.subject)
    }

    public static func outcomes(_ record: LabRecord) -> [Outcome] {
        record.labels.map { label in
            let verdicts = record.decisions.filter {
                ($0.cause == "rule" || $0.cause == "risk") && $0.time >= label.start
                    && $0.time <= label.end + lateDetectionSeconds && concerns($0, label)
            }
            guard let first = verdicts.first else {
                return Outcome(attack: label.attack, seed: record.seed, target: label.target, detected: false,
                               timeToDetect: nil, timeToRecover: nil, unaffectedGoodputDrop: goodputDrop(record, label))
            }
            return Outcome(attack: label.attack, seed: record.seed, target: label.target, detected: true,
                           timeToDetect: first.time - label.start,
                           timeToRecover: recovery(record, label, detectedAt: first.time),
                           unaffectedGoodputDrop: goodputDrop(record, label))
        }
    }

    /// From detection to the first of: the attacker's source blocked, the device
    /// quarantined or revoked, or the device back on a fresh session of its own.
    static func recovery(_ record: LabRecord, _ label: AttackLabel, detectedAt: Double) -> Double? {
        var times: [Double] = []
        for verdict in record.decisions where verdict.time >= detectedAt && verdict.applied {
            if verdict.action == "block-source", label.sources.contains(verdict.subject) { times.append(verdict.time) }
            if verdict.subject == label.target, verdict.action == "quarantine" || verdict.action == "revoke-registration" {
                times.append(verdict.time)
            }
        }
        let own = record.legitimateSources[label.target] ?? []
        if let session = record.sessions[label.target]?.first(where: { $0.time >= detectedAt && own.contains($0.source) }) {
            times.append(session.time)
        }
        return times.min().map { $0 - detectedAt }
    }

    /// The other devices' accepted requests per second during the attack against the same
    /// length of time before it (nil when there is no "before").
    static func goodputDrop(_ record: LabRecord, _ label: AttackLabel) -> Double? {
        let bucket = LabRecord.goodputBucketSeconds
        let first = Int((label.start / bucket).rounded(.up))
        let last = Int((label.end / bucket).rounded(.down))
        let length = last - first
        guard length > 0, first - length >= 1 else { return nil }
        var before = 0
        var during = 0
        for (kid, counts) in record.accepted where !record.labels.contains(where: { $0.target == kid }) {
            for b in (first - length)..<first where b < counts.count { before += counts[b] }
            for b in first..<last where b < counts.count { during += counts[b] }
        }
        guard before > 0 else { return nil }
        return max(0, 1 - Double(during) / Double(before))
    }

    /// The figures the targets name, over many runs.
    public struct Summary: Sendable, Codable {
        public struct PerClass: Sendable, Codable {
            public let attack: AttackClass
            public let instances: Int
            public let detectionRate: Double
            public let timeToDetectP95: Double?
            public let timeToRecoverP95: Double?
            public let goodputDropMax: Double?
        }

        public let perClass: [PerClass]
        public let falsePositives: Int
        public let cleanDeviceHours: Double
        public let falsePositivesPer1000DeviceHours: Double
        public let detectionRateMin: Double
        public let timeToDetectP95Active: Double?
        public let timeToDetectP95LowAndSlow: Double?
        public let timeToRecoverP95: Double?
        public let unaffectedGoodputDropMax: Double?
    }

    /// `clean` are runs without attacks (their device-hours are the false-positive base);
    /// `attacked` runs add their outcomes, and their false positives too.
    public static func summarize(clean: [LabRecord], attacked: [LabRecord]) -> Summary {
        let outcomes = attacked.flatMap(outcomes)
        var perClass: [Summary.PerClass] = []
        for attack in AttackClass.allCases {
            let mine = outcomes.filter { $0.attack == attack }
            guard !mine.isEmpty else { continue }
            perClass.append(Summary.PerClass(
                attack: attack, instances: mine.count,
                detectionRate: Double(mine.filter(\.detected).count) / Double(mine.count),
                timeToDetectP95: percentile(mine.compactMap(\.timeToDetect), 0.95),
                timeToRecoverP95: percentile(mine.compactMap(\.timeToRecover), 0.95),
                goodputDropMax: mine.compactMap(\.unaffectedGoodputDrop).max()))
        }
        let falsePositives = (clean + attacked).reduce(0) { $0 + Self.falsePositives($1).count }
        // Attacked runs' untouched devices are clean traffic too.
        let hours = clean.reduce(0) { $0 + $1.deviceHours }
            + attacked.reduce(0) { run, record in
                run + record.deviceHours * Double(max(0, record.devices - record.labels.count)) / Double(max(1, record.devices))
            }
        let active = outcomes.filter { !$0.attack.isLowAndSlow }
        return Summary(
            perClass: perClass, falsePositives: falsePositives, cleanDeviceHours: hours,
            falsePositivesPer1000DeviceHours: hours > 0 ? Double(falsePositives) / hours * 1000 : 0,
            detectionRateMin: perClass.map(\.detectionRate).min() ?? 0,
            timeToDetectP95Active: percentile(active.compactMap(\.timeToDetect), 0.95),
            timeToDetectP95LowAndSlow: percentile(outcomes.filter(\.attack.isLowAndSlow).compactMap(\.timeToDetect), 0.95),
            timeToRecoverP95: percentile(outcomes.compactMap(\.timeToRecover), 0.95),
            unaffectedGoodputDropMax: outcomes.compactMap(\.unaffectedGoodputDrop).max())
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}

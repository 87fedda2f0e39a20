import Foundation

/// The model's side of a device's risk: its group's Half-Space Trees score, calibrated on
/// the training windows so that what training saw maps to 0, and the features that
/// contributed most. Online learning feeds each group only vectors it scored as normal.
struct RiskModel {
    private(set) var model: DetectionModel
    /// Online learning: one vector per device per `learningIntervalSeconds` at most, so a
    /// chatty device does not outweigh its group.
    static let learningIntervalSeconds = 10.0
    /// Contributions listed as evidence (the strongest few).
    static let topFeatures = 3

    init(model: DetectionModel) {
        self.model = model
    }

    struct Assessment {
        var group: Int
        var score: Double
        /// Features beyond their training bound.
        var beyondBounds: Int
        /// Calibrated risk in [0, 1].
        var risk: Double
    }

    func assess(vector: [Double], profile: [Double]) -> Assessment {
        let group = model.groupIndex(forProfile: ProfileFeature.transform(profile))
        let g = model.groups[group]
        let scaled = g.scaler.scale(vector)
        let score = g.forest.score(scaled)
        // Half-Space Trees split on a random feature per level, so one feature far out of
        // range moves the score only a little; bounds learned per feature (the scaler's
        // ceilings, 1.5 × the training maximum) catch that case on their own.
        let beyond = scaled.filter { $0 >= 1 }.count
        let bounds = beyond >= 2 ? Self.riskBeyondTwoBounds : beyond == 1 ? Self.riskBeyondOneBound : 0
        return Assessment(group: group, score: score, beyondBounds: beyond,
                          risk: max(bounds, Self.calibrate(score, p999: g.scoreP999, max: g.scoreMax)))
    }

    /// Risk when one feature, or two or more, lie beyond anything training saw: a re-key,
    /// or a quarantine, at the default thresholds.
    static let riskBeyondOneBound = 0.5
    static let riskBeyondTwoBounds = 0.8

    /// 0 up to the training windows' 99.9th percentile, rising linearly to 1 at twice the
    /// distance from there to the training maximum (at least 0.1 above the percentile).
    static func calibrate(_ score: Double, p999: Double, max trainingMax: Double) -> Double {
        let span = Swift.max(0.1, 2 * (trainingMax - p999))
        return Swift.min(1, Swift.max(0, (score - p999) / span))
    }

    /// The strongest contributing features, as evidence strings.
    func explain(vector: [Double], group: Int) -> [String] {
        let g = model.groups[group]
        let scaled = g.scaler.scale(vector)
        let beyond = scaled.enumerated().filter { $0.element >= 1 }.map {
            "beyond-training:\(Feature(rawValue: $0.offset)?.name ?? "?")=\(Self.format(vector[$0.offset]))"
        }
        let shares = g.forest.contributions(scaled)
        return beyond + shares.enumerated()
            .filter { $0.element > 0 }
            .sorted { $0.element > $1.element }
            .prefix(Self.topFeatures)
            .map { "feature:\(Feature(rawValue: $0.offset)?.name ?? "?")=\(Self.format(vector[$0.offset]))" }
    }

    mutating func learn(vector: [Double], group: Int) {
        let scaled = model.groups[group].scaler.scale(vector)
        model.groups[group].forest.learn(scaled)
    }

    var groupNames: [String] { model.groups.map(\.name) }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

import Foundation

/// Maps raw, non-negative feature values into [0, 1] for the trees:
/// x' = min(1, log1p(x) / log1p(ceiling_f)).
///
/// Window features are counts and rates with heavy tails (one failed handshake in a quiet
/// hour, a thousand in a flood), so the scale is logarithmic: the first few events move a
/// point as much as the next hundred. ceiling_f = max(floor_f, margin × max over the samples
/// of x_f), with margin = 1.5 so the busiest normal window sits below the top of the range
/// instead of at it. A feature that was always 0 in training gets its floor as ceiling, so
/// any later non-zero value stands out.
public struct FeatureScaler: Codable, Sendable, Equatable {
    /// Headroom above the largest value seen in training.
    public static let defaultMargin = 1.5

    public let ceilings: [Double]
    /// 1 / log1p(ceiling) per feature; +∞ for a ceiling that is not positive (then any
    /// positive value maps to 1). Derived from `ceilings`, never stored.
    private let inverseLogCeilings: [Double]

    public init(ceilings: [Double]) {
        self.ceilings = ceilings
        inverseLogCeilings = ceilings.map { $0 > 0 ? 1 / log1p($0) : .infinity }
    }

    /// Fits the ceilings to training samples: ceiling_f = max(floors[f], margin × max_f).
    /// With no samples the ceilings are the floors. Negative, NaN and infinite sample values
    /// count as 0 (an infinite one would make the feature's range useless).
    public init(fitting samples: [[Double]], floors: [Double], margin: Double = FeatureScaler.defaultMargin) {
        var maxima = [Double](repeating: 0, count: floors.count)
        for sample in samples {
            precondition(sample.count == floors.count,
                         "FeatureScaler: a sample has \(sample.count) features, the floors \(floors.count)")
            for (feature, value) in sample.enumerated() where value.isFinite && value > maxima[feature] {
                maxima[feature] = value
            }
        }
        self.init(ceilings: zip(floors, maxima).map { floor, maximum in max(floor, margin * maximum) })
    }

    /// `x` mapped into [0, 1]; negative or NaN values count as 0, values at or above the
    /// ceiling (+∞ included) map to 1.
    public func scale(_ x: [Double]) -> [Double] {
        precondition(x.count == ceilings.count, "FeatureScaler: \(x.count) features given, \(ceilings.count) fitted")
        return zip(x, inverseLogCeilings).map { value, inverseLog in
            // `value > 0` is false for NaN as well as for negative values.
            guard value > 0 else { return 0 }
            return min(1, log1p(value) * inverseLog)
        }
    }

    public static func == (a: FeatureScaler, b: FeatureScaler) -> Bool {
        a.ceilings == b.ceilings
    }

    private enum CodingKeys: String, CodingKey {
        case ceilings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(ceilings: try container.decode([Double].self, forKey: .ceilings))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ceilings, forKey: .ceilings)
    }
}

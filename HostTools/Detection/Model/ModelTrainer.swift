import Foundation

/// Builds a `DetectionModel` from feature vectors of normal traffic (docs/detection.md §3):
/// devices grouped by behaviour with k-means on their profiles, then per group a scaler and
/// Half-Space Trees, calibrated on the group's own training vectors.
public enum ModelTrainer {
    /// One observation of one device.
    public struct Sample: Sendable {
        public let kid: String
        public let vector: [Double]
        public let profile: [Double]

        public init(kid: String, vector: [Double], profile: [Double]) {
            self.kid = kid
            self.vector = vector
            self.profile = profile
        }
    }

    public struct Options: Sendable {
        /// Behaviour groups at most (fewer when the profiles do not separate).
        public var maxGroups = 4
        public var seed: UInt64 = 1
        /// A large reference window (the trees' masses come from the last full window only),
        /// with paths ending at 0.1 % of it rather than river's 10 % of a 250-point window.
        public var trees = HalfSpaceTrees.Parameters(treeCount: 25, maxDepth: 10, windowSize: 16_384)

        public init() {}
    }

    public enum TrainingError: Error, CustomStringConvertible {
        case tooFewSamples(Int, needed: Int)

        public var description: String {
            switch self {
            case .tooFewSamples(let count, let needed):
                "only \(count) feature vectors of normal traffic; at least \(needed) are needed (run longer, or with more devices)"
            }
        }
    }

    public static let minimumSamples = 200

    public static func train(_ samples: [Sample], options: Options = Options(), trainedOn: String) throws -> DetectionModel {
        guard samples.count >= minimumSamples else { throw TrainingError.tooFewSamples(samples.count, needed: minimumSamples) }
        // A device's profile is its latest one (it summarises its whole history).
        var profiles: [String: [Double]] = [:]
        for sample in samples { profiles[sample.kid] = ProfileFeature.transform(sample.profile) }
        let kids = profiles.keys.sorted()
        let points = kids.map { profiles[$0]! }
        let centroids = chooseGroups(points, maxGroups: options.maxGroups, seed: options.seed)
        var groupOf: [String: Int] = [:]
        for (kid, point) in zip(kids, points) { groupOf[kid] = KMeans.nearest(point, among: centroids) }

        var groups: [DetectionModel.Group] = []
        var random = SplitMix64(seed: options.seed)
        for (index, centroid) in centroids.enumerated() {
            var vectors = samples.filter { groupOf[$0.kid] == index }.map(\.vector)
            guard !vectors.isEmpty else { continue }
            vectors.shuffle(using: &random)
            let scaler = FeatureScaler(fitting: vectors, floors: Feature.floors)
            var parameters = options.trees
            parameters.windowSize = max(16, min(parameters.windowSize, vectors.count / 2))
            parameters.sizeLimit = max(4, parameters.windowSize / 1000)
            parameters.seed = options.seed &+ UInt64(index)
            var forest = HalfSpaceTrees(featureCount: Feature.count, parameters: parameters)
            let scaled = vectors.map(scaler.scale)
            // Two passes at least, so the reference window is full of training data.
            var learned = 0
            while learned < max(scaled.count, 2 * parameters.windowSize) {
                forest.learn(scaled[learned % scaled.count])
                learned += 1
            }
            let scores = scaled.map(forest.score).sorted()
            let p999 = scores[min(scores.count - 1, Int((Double(scores.count) * 0.999).rounded(.down)))]
            groups.append(DetectionModel.Group(
                name: "group-\(groups.count)", centroid: centroid, scaler: scaler, forest: forest,
                scoreP999: p999, scoreMax: scores.last ?? p999,
                deviceCount: groupOf.values.filter { $0 == index }.count))
        }
        return DetectionModel(featureNames: Feature.names, profileFeatureNames: ProfileFeature.names, groups: groups,
                              trainedOn: trainedOn)
    }

    /// The fewest groups (1…max) whose k-means leaves under a quarter of the one-group
    /// spread, so devices split only where their behaviour really differs.
    static func chooseGroups(_ points: [[Double]], maxGroups: Int, seed: UInt64) -> [[Double]] {
        func spread(_ centroids: [[Double]]) -> Double {
            points.reduce(0) { total, p in
                let c = centroids[KMeans.nearest(p, among: centroids)]
                return total + zip(p, c).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            }
        }
        let one = KMeans.fit(points, k: 1, seed: seed)
        let base = spread(one)
        guard base > 1e-9 else { return one }
        for k in 2...max(2, maxGroups) {
            let centroids = KMeans.fit(points, k: k, seed: seed)
            if spread(centroids) < base / 4 || k == maxGroups { return centroids }
        }
        return one
    }
}

extension ProfileFeature {
    /// Profiles are compared on a log scale (rates differ by orders of magnitude).
    public static func transform(_ profile: [Double]) -> [Double] {
        profile.map { log1p(max(0, $0)) }
    }
}

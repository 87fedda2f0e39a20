/// k-means for grouping devices by behaviour: k-means++ seeding (Arthur & Vassilvitskii,
/// "k-means++: the advantages of careful seeding", SODA 2007) from a `SplitMix64` stream, then
/// Lloyd iterations until no assignment changes or `iterations` have run.
///
/// Devices are few (thousands of profiles, a handful of groups), so this is the plain
/// O(points × k × dimensions) per iteration, deterministic for a seed.
public enum KMeans {
    /// Centroids of `points`: min(k, distinct points) of them (seeding stops when every point
    /// already coincides with a centroid); empty input or k < 1 gives []. A cluster that
    /// empties during the iterations keeps its previous centroid. All points must have the
    /// same dimension.
    public static func fit(_ points: [[Double]], k: Int, seed: UInt64, iterations: Int = 50) -> [[Double]] {
        guard let dimension = points.first?.count, k >= 1 else { return [] }
        precondition(points.allSatisfy { $0.count == dimension }, "KMeans.fit: points of different dimensions")
        var centroids = seedCentroids(points, k: k, generator: SplitMix64(seed: seed))
        var assignment = [Int](repeating: -1, count: points.count)
        for _ in 0..<max(0, iterations) {
            var changed = false
            for (index, point) in points.enumerated() {
                let nearest = nearest(point, among: centroids)
                if nearest != assignment[index] {
                    assignment[index] = nearest
                    changed = true
                }
            }
            guard changed else { break }
            centroids = means(points, assignment: assignment, previous: centroids)
        }
        return centroids
    }

    /// Index of the centroid nearest to `point` (squared Euclidean distance; ties go to the
    /// lowest index). `centroids` must not be empty.
    public static func nearest(_ point: [Double], among centroids: [[Double]]) -> Int {
        precondition(!centroids.isEmpty, "KMeans.nearest needs at least one centroid")
        var best = 0
        var bestDistance = Double.infinity
        for (index, centroid) in centroids.enumerated() {
            let distance = squaredDistance(point, centroid)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return best
    }

    static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "KMeans: vectors of dimensions \(a.count) and \(b.count)")
        var sum = 0.0
        for index in a.indices {
            let difference = a[index] - b[index]
            sum += difference * difference
        }
        return sum
    }

    /// k-means++: the first centroid uniformly among the points, each next one with
    /// probability proportional to its squared distance D² to the nearest centroid so far.
    /// Stops early when every D² is 0 (no distinct point left).
    private static func seedCentroids(_ points: [[Double]], k: Int, generator: SplitMix64) -> [[Double]] {
        var generator = generator
        var centroids = [points[generator.nextIndex(below: points.count)]]
        var distances = points.map { squaredDistance($0, centroids[0]) }
        while centroids.count < k {
            let total = distances.reduce(0, +)
            guard total > 0 else { break }
            let target = generator.nextUnit() * total
            var chosen = distances.lastIndex(where: { $0 > 0 })!
            var cumulative = 0.0
            for (index, distance) in distances.enumerated() where distance > 0 {
                cumulative += distance
                if target < cumulative {
                    chosen = index
                    break
                }
            }
            let centroid = points[chosen]
            centroids.append(centroid)
            for index in points.indices {
                distances[index] = min(distances[index], squaredDistance(points[index], centroid))
            }
        }
        return centroids
    }

    /// The mean of each cluster's points; an empty cluster keeps its previous centroid.
    private static func means(_ points: [[Double]], assignment: [Int], previous: [[Double]]) -> [[Double]] {
        let dimension = previous[0].count
        var sums = [[Double]](repeating: [Double](repeating: 0, count: dimension), count: previous.count)
        var counts = [Int](repeating: 0, count: previous.count)
        for (point, cluster) in zip(points, assignment) {
            counts[cluster] += 1
            for feature in 0..<dimension { sums[cluster][feature] += point[feature] }
        }
        return previous.indices.map { cluster in
            guard counts[cluster] > 0 else { return previous[cluster] }
            return sums[cluster].map { $0 / Double(counts[cluster]) }
        }
    }
}

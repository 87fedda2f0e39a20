import Foundation
import Testing
@testable import RampartDetection

/// Points around `center`: each coordinate moved by `spread` × (an Irwin–Hall sum of six
/// uniforms, centred and divided by 3), Gaussian-ish with σ ≈ 0.24 × spread and never more
/// than ± spread; clamped into [0, 1].
private func cluster(around center: [Double], count: Int, spread: Double = 0.03, seed: UInt64) -> [[Double]] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        center.map { value in
            let noise = ((0..<6).reduce(0.0) { sum, _ in sum + generator.nextUnit() } - 3) / 3
            return min(1, max(0, value + spread * noise))
        }
    }
}

private func trained(_ points: [[Double]], parameters: HalfSpaceTrees.Parameters = .init()) -> HalfSpaceTrees {
    var forest = HalfSpaceTrees(featureCount: points[0].count, parameters: parameters)
    for point in points { forest.learn(point) }
    return forest
}

private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

@Suite("Detection: SplitMix64")
struct SplitMix64Tests {
    @Test("seed 0 gives the reference implementation's first outputs")
    func knownOutputs() {
        var generator = SplitMix64(seed: 0)
        // splitmix64.c with x = 0.
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("same seed, same stream; another seed, another stream")
    func reproducible() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test("units stay in [0, 1) and indices below their bound, covering it")
    func ranges() {
        var generator = SplitMix64(seed: 7)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let unit = generator.nextUnit()
            #expect(unit >= 0 && unit < 1)
            let index = generator.nextIndex(below: 18)
            #expect((0..<18).contains(index))
            seen.insert(index)
        }
        #expect(seen.count == 18)
    }
}

@Suite("Detection: feature scaler")
struct FeatureScalerTests {
    @Test("the ceiling is 1.5 × the training maximum, on a log scale")
    func fitted() {
        let scaler = FeatureScaler(fitting: [[10, 0.5], [40, 2], [20, 1]], floors: [1, 1])
        #expect(scaler.ceilings == [60, 3])
        let scaled = scaler.scale([40, 3])
        #expect(abs(scaled[0] - log1p(40) / log1p(60)) < 1e-12)
        #expect(scaled[1] == 1)
        #expect(scaler.scale([0, 0]) == [0, 0])
    }

    @Test("values above the ceiling saturate at 1")
    func saturates() {
        let scaler = FeatureScaler(ceilings: [10])
        #expect(scaler.scale([10]) == [1])
        #expect(scaler.scale([1e9]) == [1])
        #expect(scaler.scale([.infinity]) == [1])
        #expect(scaler.scale([5])[0] < 1)
    }

    @Test("a feature always 0 in training gets its floor, so any later value stands out")
    func floors() {
        let scaler = FeatureScaler(fitting: [[0, 3], [0, 4]], floors: [2, 0.5])
        #expect(scaler.ceilings == [2, 6])
        #expect(scaler.scale([1, 0])[0] == log1p(1) / log1p(2))
        #expect(scaler.scale([1, 0])[0] > 0.6)
        #expect(FeatureScaler(fitting: [], floors: [3, 4]).ceilings == [3, 4])
    }

    @Test("negative and NaN inputs count as 0, in fitting and in scaling")
    func invalidInputs() {
        let scaler = FeatureScaler(fitting: [[-5, .nan, .infinity]], floors: [1, 1, 1])
        #expect(scaler.ceilings == [1, 1, 1])
        #expect(scaler.scale([-3, .nan, 0]) == [0, 0, 0])
    }

    @Test("a ceiling of 0 maps any positive value to 1")
    func zeroCeiling() {
        #expect(FeatureScaler(ceilings: [0]).scale([0.001]) == [1])
        #expect(FeatureScaler(ceilings: [0]).scale([0]) == [0])
    }
}

@Suite("Detection: Half-Space Trees")
struct HalfSpaceTreesTests {
    static let featureCount = 6
    static let normal = cluster(around: [Double](repeating: 0.2, count: featureCount), count: 250, seed: 11)

    @Test("not ready before one full window, ready after; score 0 until then")
    func readiness() {
        var forest = HalfSpaceTrees(featureCount: 6, parameters: .init(windowSize: 50))
        let anomalous = [Double](repeating: 0.9, count: 6)
        for point in Self.normal.prefix(49) { forest.learn(point) }
        #expect(!forest.isReady)
        #expect(forest.pointsLearned == 49)
        #expect(forest.score(anomalous) == 0)
        #expect(forest.contributions(anomalous) == [0, 0, 0, 0, 0, 0])
        forest.learn(Self.normal[49])
        #expect(forest.isReady)
        #expect(forest.score(anomalous) > 0.9)
    }

    @Test("points in the training cluster score clearly lower than points far from it")
    func separates() {
        let forest = trained(Self.normal)
        let inside = cluster(around: [Double](repeating: 0.2, count: 6), count: 50, seed: 99).map(forest.score)
        let outside = cluster(around: [Double](repeating: 0.9, count: 6), count: 50, seed: 98).map(forest.score)
        #expect((inside + outside).allSatisfy { (0...1).contains($0) })
        #expect(mean(inside) < 0.5 * mean(outside))
        #expect(inside.max()! < outside.min()!)
    }

    @Test("the score follows the formula: a point in a full max-depth leaf scores 0")
    func formula() {
        // Every training point is the same, so it fills one leaf in every tree: r = windowSize
        // at depth maxDepth, the sum reaches its maximum and the score is exactly 0.
        let point = [0.3, 0.6, 0.1]
        let forest = trained([[Double]](repeating: point, count: 20), parameters: .init(treeCount: 5, maxDepth: 6, windowSize: 20))
        #expect(forest.score(point) == 0)
        // Far away, the path ends early on an empty node in most trees.
        #expect(forest.score([1, 0, 1]) > 0.5)
    }

    /// A point whose path in tree 0 takes `turns` (false = left, true = right), built from
    /// the splits on that path.
    static func point(following turns: [Bool], in forest: HalfSpaceTrees) -> [Double] {
        var low = [Double](repeating: -.infinity, count: forest.featureCount)
        var high = [Double](repeating: .infinity, count: forest.featureCount)
        var node = 0
        for right in turns {
            let feature = Int(forest.splitFeatures[node]), value = forest.splitValues[node]
            if right { low[feature] = max(low[feature], value) } else { high[feature] = min(high[feature], value) }
            node = 2 * node + (right ? 2 : 1)
        }
        return zip(low, high).map { low, high in
            switch (low.isFinite, high.isFinite) {
            case (true, true): (low + high) / 2
            case (true, false): low + 1
            case (false, true): high - 1
            case (false, false): 0
            }
        }
    }

    @Test("masses, score and contributions on a tree small enough to check by hand")
    func byHand() throws {
        let parameters = HalfSpaceTrees.Parameters(treeCount: 1, maxDepth: 2, windowSize: 10, sizeLimit: 3)
        var forest = HalfSpaceTrees(featureCount: 2, parameters: parameters)
        // 4 points left-left, 2 left-right, 4 right-left.
        let leftLeft = Self.point(following: [false, false], in: forest)
        let leftRight = Self.point(following: [false, true], in: forest)
        let rightLeft = Self.point(following: [true, false], in: forest)
        for point in [[Double]](repeating: leftLeft, count: 4) + [leftRight, leftRight] + [[Double]](repeating: rightLeft, count: 4) {
            forest.learn(point)
        }
        #expect(forest.referenceMass == [10, 6, 4, 4, 2, 4, 0])
        // Left-left ends at a leaf holding 4 at depth 2: 1 − 4·2² / (1 · 10 · 2²).
        #expect(abs(forest.score(leftLeft) - 0.6) < 1e-12)
        // Left-right ends at node 4 (r = 2 < 3), depth 2: 1 − 2·4 / 40.
        #expect(abs(forest.score(leftRight) - 0.8) < 1e-12)
        // The root's split moved 4 of 10 away (0.4); the next step ended the path (counts 1).
        let rootFeature = Int(forest.splitFeatures[0]), leftFeature = Int(forest.splitFeatures[1])
        var expected = [0.0, 0.0]
        expected[rootFeature] += 0.4
        expected[leftFeature] += 1
        let shares = forest.contributions(leftRight)
        for feature in 0..<2 { #expect(abs(shares[feature] - expected[feature] / 1.4) < 1e-12) }
        // Left-left: 0.4 at the root, then (6 − 4) / 6 at the left child.
        var expectedLeft = [0.0, 0.0]
        expectedLeft[rootFeature] += 0.4
        expectedLeft[leftFeature] += 2.0 / 6
        let leftShares = forest.contributions(leftLeft)
        for feature in 0..<2 { #expect(abs(leftShares[feature] - expectedLeft[feature] / (0.4 + 2.0 / 6)) < 1e-12) }
        // A value equal to the split goes right (the paper: x_q < p goes left).
        var edge = HalfSpaceTrees(featureCount: 2, parameters: parameters)
        var onSplit = [0.5, 0.5]
        onSplit[rootFeature] = edge.splitValues[0]
        edge.learn(onSplit)
        #expect(edge.latestMass[1] == 0 && edge.latestMass[2] == 1)
    }

    @Test("after a window, the latest window becomes the reference")
    func windowSwap() {
        let parameters = HalfSpaceTrees.Parameters(windowSize: 100)
        var forest = HalfSpaceTrees(featureCount: 6, parameters: parameters)
        let low = cluster(around: [Double](repeating: 0.2, count: 6), count: 100, seed: 1)
        let high = cluster(around: [Double](repeating: 0.8, count: 6), count: 100, seed: 2)
        for point in low { forest.learn(point) }
        let lowPoint = [Double](repeating: 0.2, count: 6), highPoint = [Double](repeating: 0.8, count: 6)
        #expect(forest.score(lowPoint) < forest.score(highPoint))
        for point in high { forest.learn(point) }
        #expect(forest.pointsLearned == 200)
        #expect(forest.score(lowPoint) > forest.score(highPoint))
        #expect(forest.latestMass.allSatisfy { $0 == 0 })
    }

    @Test("contributions point at the feature that is off")
    func contributions() {
        let forest = trained(Self.normal)
        for off in [0, 3, 5] {
            var point = [Double](repeating: 0.2, count: 6)
            point[off] = 0.9
            let shares = forest.contributions(point)
            #expect(shares.count == 6)
            #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
            #expect(shares.indices.max(by: { shares[$0] < shares[$1] }) == off)
            #expect(shares[off] > 0.5)
        }
    }

    @Test("scoreAndContributions gives what score and contributions give")
    func combined() {
        let forest = trained(Self.normal)
        let probes = cluster(around: [Double](repeating: 0.4, count: 6), count: 30, spread: 0.6, seed: 12)
        for probe in probes {
            let (score, contributions) = forest.scoreAndContributions(probe)
            #expect(score == forest.score(probe))
            #expect(contributions == forest.contributions(probe))
        }
        let unready = HalfSpaceTrees(featureCount: 6)
        #expect(unready.scoreAndContributions(probes[0]) == (0, [0, 0, 0, 0, 0, 0]))
    }

    @Test("same seed, identical forest and scores; another seed, other trees")
    func seeded() {
        let probes = cluster(around: [Double](repeating: 0.5, count: 6), count: 20, spread: 0.4, seed: 5)
        let a = trained(Self.normal, parameters: .init(seed: 7))
        let b = trained(Self.normal, parameters: .init(seed: 7))
        let c = trained(Self.normal, parameters: .init(seed: 8))
        #expect(a.splitFeatures == b.splitFeatures && a.splitValues == b.splitValues)
        #expect(probes.map(a.score) == probes.map(b.score))
        #expect(a.splitFeatures != c.splitFeatures)
        #expect(a.splitValues != c.splitValues)
        #expect(probes.map(a.score) != probes.map(c.score))
    }

    @Test("splits follow the perturbed work range: the root splits at s of its feature")
    func splitsInRange() {
        let forest = HalfSpaceTrees(featureCount: 4, parameters: .init(treeCount: 3, maxDepth: 3))
        for tree in 0..<3 {
            let base = tree * forest.splitsPerTree
            // The root's range [s − 2m, s + 2m] has midpoint s ∈ [0, 1).
            #expect((0..<1).contains(forest.splitValues[base]))
            // A left child splitting the same feature cuts the lower half: below the root's value.
            for child in [1, 2] where forest.splitFeatures[base + child] == forest.splitFeatures[base] {
                if child == 1 { #expect(forest.splitValues[base + child] < forest.splitValues[base]) }
                else { #expect(forest.splitValues[base + child] > forest.splitValues[base]) }
            }
        }
        #expect(forest.splitFeatures.allSatisfy { (0..<4).contains($0) })
    }

    @Test("a forest survives JSON exactly, and a damaged one is refused")
    func coding() throws {
        let forest = trained(Self.normal)
        let data = try JSONEncoder().encode(forest)
        let decoded = try JSONDecoder().decode(HalfSpaceTrees.self, from: data)
        #expect(decoded.splitValues == forest.splitValues)
        #expect(decoded.referenceMass == forest.referenceMass)
        #expect(decoded.pointsLearned == forest.pointsLearned)
        let probe = [0.21, 0.5, 0.19, 0.2, 0.9, 0.2]
        #expect(decoded.score(probe) == forest.score(probe))

        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var features = try #require(object["splitFeatures"] as? [Int])
        features[0] = 6
        object["splitFeatures"] = features
        let damaged = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HalfSpaceTrees.self, from: damaged) }
    }
}

@Suite("Detection: k-means")
struct KMeansTests {
    @Test("three well-separated blobs get three centroids near their means")
    func blobs() throws {
        let means: [[Double]] = [[0, 0], [10, 10], [0, 10]]
        // Uniform noise of width 1 around each mean (`cluster` would clamp into [0, 1]).
        var generator = SplitMix64(seed: 3)
        let points = means.map { center in
            (0..<30).map { _ in center.map { $0 + (generator.nextUnit() - 0.5) } }
        }
        let centroids = KMeans.fit(points.flatMap { $0 }, k: 3, seed: 9)
        #expect(centroids.count == 3)
        var used = Set<Int>()
        for (blob, center) in zip(points, means) {
            let indices = Set(blob.map { KMeans.nearest($0, among: centroids) })
            #expect(indices.count == 1)
            let index = try #require(indices.first)
            used.insert(index)
            #expect(KMeans.squaredDistance(centroids[index], center) < 0.1)
        }
        #expect(used.count == 3)
    }

    @Test("k larger than the distinct points gives one centroid per distinct point")
    func fewDistinct() {
        let centroids = KMeans.fit([[1, 1], [1, 1], [2, 2], [2, 2], [1, 1]], k: 5, seed: 1)
        #expect(centroids.count == 2)
        #expect(Set(centroids.map { $0[0] }) == [1, 2])
    }

    @Test("empty input or k = 0 gives no centroids")
    func empty() {
        #expect(KMeans.fit([], k: 3, seed: 1).isEmpty)
        #expect(KMeans.fit([[1]], k: 0, seed: 1).isEmpty)
    }

    @Test("nearest: squared Euclidean, ties to the lowest index")
    func nearest() {
        #expect(KMeans.nearest([0, 0], among: [[3, 0], [1, 1], [-1, -1]]) == 1)
        #expect(KMeans.nearest([0, 0], among: [[5, 5], [1, 0], [0, 1]]) == 1)
    }

    @Test("same seed, same centroids")
    func deterministic() {
        var generator = SplitMix64(seed: 4)
        let points = (0..<60).map { _ in [generator.nextUnit(), generator.nextUnit()] }
        #expect(KMeans.fit(points, k: 4, seed: 2) == KMeans.fit(points, k: 4, seed: 2))
    }
}

@Suite("Detection: model file")
struct DetectionModelTests {
    static let featureNames = ["a", "b", "c", "d", "e", "f"]
    static let profileNames = ["rate", "size"]

    static func model(forestFeatures: Int = 6) -> DetectionModel {
        let samples = cluster(around: [Double](repeating: 0.2, count: 6), count: 250, seed: 21)
        let scaler = FeatureScaler(fitting: samples, floors: [Double](repeating: 1, count: 6))
        var forest = HalfSpaceTrees(featureCount: forestFeatures, parameters: .init(treeCount: 10, maxDepth: 8, windowSize: 250))
        for sample in samples { forest.learn(Array(scaler.scale(sample).prefix(forestFeatures))) }
        let groups = [
            DetectionModel.Group(name: "group-0", centroid: [1, 2], scaler: scaler, forest: forest, scoreP999: 0.31,
                                 scoreMax: 0.4, deviceCount: 12),
            DetectionModel.Group(name: "group-1", centroid: [10, 20], scaler: scaler, forest: forest, scoreP999: 0.2,
                                 scoreMax: 0.25, deviceCount: 3),
        ]
        return DetectionModel(featureNames: featureNames, profileFeatureNames: profileNames, groups: groups,
                              trainedOn: "test: cluster at 0.2, seed 21")
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rampart-model-\(UUID().uuidString).json").path
    }

    static func read(_ path: String) throws(DetectionModelError) -> DetectionModel {
        try DetectionModel.read(from: path, expectedFeatureNames: featureNames, expectedProfileFeatureNames: profileNames)
    }

    @Test("write then read gives the same scores, in a 0644 file")
    func roundTrip() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Self.model()
        try model.write(to: path)
        let read = try Self.read(path)
        #expect(read.version == DetectionModel.formatVersion)
        #expect(read.trainedOn == model.trainedOn)
        #expect(read.groups.map(\.name) == ["group-0", "group-1"])
        #expect(read.groups[0].scaler == model.groups[0].scaler)
        #expect(read.groups[0].scoreP999 == 0.31 && read.groups[1].deviceCount == 3)
        #expect(abs(read.createdAt.timeIntervalSince(model.createdAt)) < 1)
        let probes = cluster(around: [Double](repeating: 0.5, count: 6), count: 20, spread: 0.5, seed: 8)
        for probe in probes {
            #expect(read.groups[0].forest.score(probe) == model.groups[0].forest.score(probe))
            #expect(read.groups[0].forest.contributions(probe) == model.groups[0].forest.contributions(probe))
        }
        #expect(read.groupIndex(forProfile: [9, 19]) == 1)
        #expect(read.groupIndex(forProfile: [0, 0]) == 0)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o644)
        // Overwriting an existing model replaces it and leaves no temporary file behind.
        try model.write(to: path)
        let directory = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(name) } == [name])
    }

    @Test("a newer format version is refused with both numbers")
    func newerVersion() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.model().write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 7")
        #expect(edited != text)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DetectionModelError.unsupportedVersion(found: 7, supported: 1)) { try Self.read(path) }
    }

    @Test("other feature names are refused, naming the difference")
    func featureMismatch() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.model().write(to: path)
        let error = #expect(throws: DetectionModelError.self) {
            try DetectionModel.read(from: path, expectedFeatureNames: ["a", "b", "c", "d", "e", "g"],
                                    expectedProfileFeatureNames: Self.profileNames)
        }
        guard case .featureMismatch(let why) = error else {
            Issue.record("expected featureMismatch, got \(String(describing: error))")
            return
        }
        #expect(why.contains("g") && why.contains("f"))
        let reordered = #expect(throws: DetectionModelError.self) {
            try DetectionModel.read(from: path, expectedFeatureNames: Self.featureNames,
                                    expectedProfileFeatureNames: ["size", "rate"])
        }
        guard case .featureMismatch(let order) = reordered else {
            Issue.record("expected featureMismatch, got \(String(describing: reordered))")
            return
        }
        #expect(order.contains("profile features") && order.contains("order"))
    }

    @Test("a truncated file is corrupt")
    func truncated() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.model().write(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DetectionModelError.self) { try Self.read(path) }
        guard case .corrupt = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
    }

    @Test("a forest over the wrong number of features is corrupt")
    func inconsistent() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.model(forestFeatures: 5).write(to: path)
        let error = #expect(throws: DetectionModelError.self) { try Self.read(path) }
        guard case .corrupt(let why) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(why.contains("5 features"))
    }

    @Test("a model without groups is corrupt")
    func noGroups() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var model = Self.model()
        model.groups = []
        try model.write(to: path)
        let error = #expect(throws: DetectionModelError.self) { try Self.read(path) }
        guard case .corrupt = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
    }

    @Test("a missing file is unreadable, and the message says how to get one")
    func missing() {
        let path = Self.temporaryPath()
        let error = #expect(throws: DetectionModelError.self) { try Self.read(path) }
        guard case .unreadable(let errorPath, _) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(error?.description.contains("rampart detect train") == true)
    }

    @Test("a directory that does not exist is unwritable")
    func unwritable() {
        let path = "/nonexistent-\(UUID().uuidString)/model.json"
        let error = #expect(throws: DetectionModelError.self) { try Self.model().write(to: path) }
        guard case .unwritable = error else {
            Issue.record("expected unwritable, got \(String(describing: error))")
            return
        }
    }
}

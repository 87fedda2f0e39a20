/// Half-Space Trees (Tan, Ting & Liu, "Fast anomaly detection for streaming data", IJCAI
/// 2011): an ensemble of random perfect binary trees over the unit cube; each node counts the
/// mass of the reference window (r) and of the latest window (l); after `windowSize` learned
/// points, r ← l and l ← 0.
///
/// Why this model: it learns from normal traffic only (no labelled attacks exist for a new
/// deployment), learning and scoring cost a fixed O(trees × depth) with no allocation, and the
/// window swap lets a group's baseline follow slow drift while a burst that lasts less than a
/// window cannot become its own reference at once.
///
/// Splits: at each node a random feature (uniform) and the midpoint of that node's current
/// range for that feature. The work range starts as [0, 1] per feature, perturbed as in the
/// paper (Algorithm 1, `InitialiseWorkSpace`): for each tree, per feature s ~ U(0, 1), range
/// [s − 2·max(s, 1 − s), s + 2·max(s, 1 − s)], so trees do not all cut the cube in the same places.
///
/// Storage is flat (node i has children 2i + 1 and 2i + 2, tree t's nodes start at
/// t × `nodesPerTree`, its split nodes at t × `splitsPerTree`), so a walk touches three
/// arrays and no pointers, and the model file holds plain arrays.
public struct HalfSpaceTrees: Codable, Sendable {
    public struct Parameters: Codable, Sendable, Equatable {
        /// Trees in the ensemble (the paper's t; 25 in its experiments).
        public var treeCount: Int
        /// Depth of every tree; a tree has 2^(maxDepth + 1) − 1 nodes.
        public var maxDepth: Int
        /// Points per window (the paper's ψ).
        public var windowSize: Int
        /// A node whose reference mass is below this ends a path; 0 means 0.1 × windowSize,
        /// river's convention (`size_limit`).
        public var sizeLimit: Int
        /// Seed of the `SplitMix64` stream the splits are drawn from.
        public var seed: UInt64

        public init(treeCount: Int = 25, maxDepth: Int = 10, windowSize: Int = 250, sizeLimit: Int = 0, seed: UInt64 = 1) {
            self.treeCount = treeCount
            self.maxDepth = maxDepth
            self.windowSize = windowSize
            self.sizeLimit = sizeLimit
            self.seed = seed
        }

        /// The size limit in effect: for integer masses, r < 0.1 × windowSize is
        /// r < ⌈0.1 × windowSize⌉.
        var effectiveSizeLimit: UInt32 {
            sizeLimit > 0 ? UInt32(clamping: sizeLimit) : UInt32((windowSize + 9) / 10)
        }

        /// Why these parameters cannot make a forest, or nil if they can.
        func problem() -> String? {
            if !(1...Self.maxTreeCount).contains(treeCount) { return "treeCount \(treeCount) is not in 1...\(Self.maxTreeCount)" }
            if !(1...Self.maxMaxDepth).contains(maxDepth) { return "maxDepth \(maxDepth) is not in 1...\(Self.maxMaxDepth)" }
            if !(1...Self.maxWindowSize).contains(windowSize) {
                return "windowSize \(windowSize) is not in 1...\(Self.maxWindowSize)"
            }
            if sizeLimit < 0 { return "sizeLimit \(sizeLimit) is negative" }
            return nil
        }

        /// Bounds that keep a forest's arrays and its score's integer sum in range
        /// (treeCount × windowSize × 2^maxDepth < 2^53, exact as a Double).
        static let maxTreeCount = 1024
        static let maxMaxDepth = 20
        static let maxWindowSize = 1 << 20
    }

    public let featureCount: Int
    public let parameters: Parameters

    /// Split feature of each internal node, `splitsPerTree` per tree.
    private(set) var splitFeatures: [Int32]
    /// Split value of each internal node: x[feature] < value goes left, else right.
    private(set) var splitValues: [Double]
    /// Mass of the reference window (r) at each node, `nodesPerTree` per tree.
    private(set) var referenceMass: [UInt32]
    /// Mass of the latest window (l) at each node.
    private(set) var latestMass: [UInt32]
    public private(set) var pointsLearned: Int

    var nodesPerTree: Int { (1 << (parameters.maxDepth + 1)) - 1 }
    var splitsPerTree: Int { (1 << parameters.maxDepth) - 1 }

    public init(featureCount: Int, parameters: Parameters = Parameters()) {
        precondition(featureCount >= 1 && featureCount <= Int(Int32.max), "HalfSpaceTrees needs at least one feature")
        if let problem = parameters.problem() { preconditionFailure("HalfSpaceTrees: \(problem)") }
        self.featureCount = featureCount
        self.parameters = parameters
        pointsLearned = 0
        let splitsPerTree = (1 << parameters.maxDepth) - 1
        let nodesPerTree = (1 << (parameters.maxDepth + 1)) - 1
        splitFeatures = [Int32](repeating: 0, count: parameters.treeCount * splitsPerTree)
        splitValues = [Double](repeating: 0, count: parameters.treeCount * splitsPerTree)
        referenceMass = [UInt32](repeating: 0, count: parameters.treeCount * nodesPerTree)
        latestMass = referenceMass
        growTrees()
    }

    /// True once at least one full window has become the reference (before that, `score`
    /// returns 0 and `contributions` all zeros).
    public var isReady: Bool { pointsLearned >= parameters.windowSize }

    /// Adds one point (already scaled into [0, 1]) to the latest window, along its whole
    /// path in every tree (the paper's `UpdateMass`); swaps windows every `windowSize` points.
    public mutating func learn(_ x: [Double]) {
        precondition(x.count == featureCount, "HalfSpaceTrees.learn: \(x.count) features given, \(featureCount) expected")
        let maxDepth = parameters.maxDepth, treeCount = parameters.treeCount
        let nodesPerTree = nodesPerTree, splitsPerTree = splitsPerTree
        x.withUnsafeBufferPointer { x in
            splitFeatures.withUnsafeBufferPointer { features in
                splitValues.withUnsafeBufferPointer { values in
                    latestMass.withUnsafeMutableBufferPointer { l in
                        for tree in 0..<treeCount {
                            let nodeBase = tree * nodesPerTree, splitBase = tree * splitsPerTree
                            var node = 0
                            l[nodeBase] += 1
                            for _ in 0..<maxDepth {
                                node = Self.child(of: node, x: x, feature: features[splitBase + node], value: values[splitBase + node])
                                l[nodeBase + node] += 1
                            }
                        }
                    }
                }
            }
        }
        pointsLearned += 1
        if pointsLearned % parameters.windowSize == 0 {
            swap(&referenceMass, &latestMass)
            latestMass.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    /// Anomaly score in [0, 1]: 1 − (Σ_trees r_node · 2^depth_node) / (treeCount · windowSize ·
    /// 2^maxDepth), where node is where x's path ends (max depth, or the first node whose
    /// r < sizeLimit) — the paper's mass score, turned so that higher is more anomalous.
    /// 0 when not ready.
    public func score(_ x: [Double]) -> Double {
        precondition(x.count == featureCount, "HalfSpaceTrees.score: \(x.count) features given, \(featureCount) expected")
        guard isReady else { return 0 }
        var total: UInt64 = 0
        walk(x, end: { depth, mass in total &+= Self.massTerm(depth: depth, mass: mass) })
        return anomalyScore(massScore: total)
    }

    /// Which features made x anomalous: for each tree, along x's path, every step from a node
    /// with mass r_parent to its child with mass r_child adds (r_parent − r_child) /
    /// max(r_parent, 1) to the parent's split feature — the share of the reference window that
    /// this split separated x from; the step that ends the path early (child r < sizeLimit)
    /// counts fully (adds 1). Normalised to sum 1 (all zeros when nothing was added).
    /// Length `featureCount`.
    public func contributions(_ x: [Double]) -> [Double] {
        precondition(x.count == featureCount, "HalfSpaceTrees.contributions: \(x.count) features given, \(featureCount) expected")
        var shares = [Double](repeating: 0, count: featureCount)
        guard isReady else { return shares }
        let limit = parameters.effectiveSizeLimit
        shares.withUnsafeMutableBufferPointer { shares in
            walk(x, step: { feature, parentMass, childMass in
                shares[feature] += Self.share(parentMass: parentMass, childMass: childMass, limit: limit)
            })
        }
        return Self.normalised(shares)
    }

    /// `score(x)` and `contributions(x)` from one walk down the trees (the walk is most of
    /// the cost of each, so this takes little more than either alone).
    public func scoreAndContributions(_ x: [Double]) -> (score: Double, contributions: [Double]) {
        precondition(x.count == featureCount, "HalfSpaceTrees.scoreAndContributions: \(x.count) features given, \(featureCount) expected")
        var shares = [Double](repeating: 0, count: featureCount)
        guard isReady else { return (0, shares) }
        let limit = parameters.effectiveSizeLimit
        var total: UInt64 = 0
        shares.withUnsafeMutableBufferPointer { shares in
            walk(x, step: { feature, parentMass, childMass in
                shares[feature] += Self.share(parentMass: parentMass, childMass: childMass, limit: limit)
            }, end: { depth, mass in total &+= Self.massTerm(depth: depth, mass: mass) })
        }
        return (anomalyScore(massScore: total), Self.normalised(shares))
    }

    /// One tree's term of the paper's score, Σ_trees r_node · 2^depth_node.
    @inline(__always)
    private static func massTerm(depth: Int, mass: UInt32) -> UInt64 {
        UInt64(mass) << UInt64(depth)
    }

    /// The mass score turned into an anomaly score in [0, 1]: its shortfall from the maximum,
    /// a full window in a max-depth leaf of every tree.
    private func anomalyScore(massScore: UInt64) -> Double {
        let maximum = Double(parameters.treeCount * parameters.windowSize << parameters.maxDepth)
        return min(1, max(0, 1 - Double(massScore) / maximum))
    }

    /// What one step adds to its split feature's contribution.
    @inline(__always)
    private static func share(parentMass: UInt32, childMass: UInt32, limit: UInt32) -> Double {
        // A child never holds more than its parent; `max` keeps a damaged file harmless.
        childMass < limit ? 1 : max(0, Double(parentMass) - Double(childMass)) / Double(max(parentMass, 1))
    }

    private static func normalised(_ shares: [Double]) -> [Double] {
        let total = shares.reduce(0, +)
        guard total > 0 else { return shares }
        return shares.map { $0 / total }
    }

    // MARK: Walking the trees

    /// Walks x down every tree, level by level across the trees rather than tree after tree:
    /// each path is a chain of dependent loads, and the trees' chains side by side let the
    /// processor overlap them (measured 1.4× faster for points of the baseline, the common
    /// case; a little slower for outliers, whose paths end early at unpredictable levels).
    ///
    /// A path ends at max depth or at the first node whose reference mass is below the size
    /// limit; an ended path stays where it is while the other trees go on, and the walk stops
    /// when no tree took a step. `step` sees every step taken (the parent's split feature, the
    /// parent's and the child's mass); `end` sees, per tree, the depth and the mass of the
    /// node where the path ended.
    @inline(__always)
    private func walk(_ x: [Double], step: (Int, UInt32, UInt32) -> Void = { _, _, _ in },
                      end: (Int, UInt32) -> Void = { _, _ in }) {
        let maxDepth = parameters.maxDepth, limit = parameters.effectiveSizeLimit, treeCount = parameters.treeCount
        let nodesPerTree = nodesPerTree, splitsPerTree = splitsPerTree
        // Each tree's current node; on the stack for any sensible tree count.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: treeCount) { nodes in
            nodes.initialize(repeating: 0)
            x.withUnsafeBufferPointer { x in
                splitFeatures.withUnsafeBufferPointer { features in
                    splitValues.withUnsafeBufferPointer { values in
                        referenceMass.withUnsafeBufferPointer { r in
                            for _ in 0..<maxDepth {
                                var stepped = false
                                for tree in 0..<treeCount {
                                    // In round d a path is at depth ≤ d < maxDepth: on a split node.
                                    // Indices are bounded by the array sizes checked at init: no overflow.
                                    let node = Int(nodes[tree])
                                    let mass = r[tree &* nodesPerTree &+ node]
                                    guard mass >= limit else { continue }
                                    let split = tree &* splitsPerTree &+ node
                                    let feature = features[split]
                                    let child = Self.child(of: node, x: x, feature: feature, value: values[split])
                                    step(Int(feature), mass, r[tree &* nodesPerTree &+ child])
                                    nodes[tree] = Int32(truncatingIfNeeded: child)
                                    stepped = true
                                }
                                guard stepped else { break }
                            }
                            for tree in 0..<treeCount {
                                let node = Int(nodes[tree])
                                end(Self.depth(of: node), r[tree &* nodesPerTree &+ node])
                            }
                        }
                    }
                }
            }
        }
    }

    /// Depth of node i in a flat perfect tree: ⌊log2(i + 1)⌋.
    @inline(__always)
    private static func depth(of node: Int) -> Int {
        Int.bitWidth &- 1 &- (node &+ 1).leadingZeroBitCount
    }

    @inline(__always)
    private static func child(of node: Int, x: UnsafeBufferPointer<Double>, feature: Int32, value: Double) -> Int {
        2 &* node &+ (x[Int(feature)] < value ? 1 : 2)
    }

    // MARK: Growing the trees

    /// Draws every tree's splits from one `SplitMix64` stream seeded with `parameters.seed`,
    /// tree after tree, nodes in depth-first order.
    private mutating func growTrees() {
        var generator = SplitMix64(seed: parameters.seed)
        for tree in 0..<parameters.treeCount {
            var low = [Double](repeating: 0, count: featureCount)
            var high = [Double](repeating: 0, count: featureCount)
            for feature in 0..<featureCount {
                let s = generator.nextUnit()
                let halfWidth = 2 * max(s, 1 - s)
                low[feature] = s - halfWidth
                high[feature] = s + halfWidth
            }
            grow(node: 0, depth: 0, base: tree * splitsPerTree, low: &low, high: &high, generator: &generator)
        }
    }

    /// Gives `node` a random feature and that feature's midpoint in the node's work range,
    /// then grows its children on the two halves.
    private mutating func grow(node: Int, depth: Int, base: Int, low: inout [Double], high: inout [Double],
                               generator: inout SplitMix64) {
        guard depth < parameters.maxDepth else { return }
        let feature = generator.nextIndex(below: featureCount)
        let split = (low[feature] + high[feature]) / 2
        splitFeatures[base + node] = Int32(feature)
        splitValues[base + node] = split
        let (savedLow, savedHigh) = (low[feature], high[feature])
        high[feature] = split
        grow(node: 2 * node + 1, depth: depth + 1, base: base, low: &low, high: &high, generator: &generator)
        high[feature] = savedHigh
        low[feature] = split
        grow(node: 2 * node + 2, depth: depth + 1, base: base, low: &low, high: &high, generator: &generator)
        low[feature] = savedLow
    }

    // MARK: Coding

    private enum CodingKeys: String, CodingKey {
        case featureCount, parameters, pointsLearned, splitFeatures, splitValues, referenceMass, latestMass
    }

    /// Decodes and checks a forest: parameters in range, arrays of the sizes the parameters
    /// imply, split features that exist, masses no larger than a window. A model file that
    /// fails these would otherwise crash the gateway on its first score.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        featureCount = try container.decode(Int.self, forKey: .featureCount)
        parameters = try container.decode(Parameters.self, forKey: .parameters)
        pointsLearned = try container.decode(Int.self, forKey: .pointsLearned)
        splitFeatures = try container.decode([Int32].self, forKey: .splitFeatures)
        splitValues = try container.decode([Double].self, forKey: .splitValues)
        referenceMass = try container.decode([UInt32].self, forKey: .referenceMass)
        latestMass = try container.decode([UInt32].self, forKey: .latestMass)
        if let problem = inconsistency() {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "half-space trees: \(problem)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(featureCount, forKey: .featureCount)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(pointsLearned, forKey: .pointsLearned)
        try container.encode(splitFeatures, forKey: .splitFeatures)
        try container.encode(splitValues, forKey: .splitValues)
        try container.encode(referenceMass, forKey: .referenceMass)
        try container.encode(latestMass, forKey: .latestMass)
    }

    /// What is wrong with a decoded forest, or nil.
    private func inconsistency() -> String? {
        if featureCount < 1 || featureCount > Int(Int32.max) { return "featureCount \(featureCount) is out of range" }
        if let problem = parameters.problem() { return problem }
        if pointsLearned < 0 { return "pointsLearned \(pointsLearned) is negative" }
        let splitCount = parameters.treeCount * splitsPerTree, nodeCount = parameters.treeCount * nodesPerTree
        if splitFeatures.count != splitCount || splitValues.count != splitCount {
            return "\(splitFeatures.count) split features and \(splitValues.count) split values for \(splitCount) split nodes"
        }
        if referenceMass.count != nodeCount || latestMass.count != nodeCount {
            return "\(referenceMass.count) reference and \(latestMass.count) latest masses for \(nodeCount) nodes"
        }
        if let bad = splitFeatures.first(where: { $0 < 0 || Int($0) >= featureCount }) {
            return "split feature \(bad) is not one of the \(featureCount) features"
        }
        let window = UInt32(parameters.windowSize)
        if referenceMass.contains(where: { $0 > window }) || latestMass.contains(where: { $0 > window }) {
            return "a node's mass exceeds the window size \(window)"
        }
        return nil
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; the constants of Vigna's reference `splitmix64.c`): a 64-bit state, one add
/// and two multiply-xorshift rounds per output.
///
/// Everything random in the detector's models (tree splits, k-means++ seeding) draws from
/// this generator, so a model is a function of its training data and its seed: the same
/// `rampart detect train` run gives the same file, and a lab scenario can be replayed. Not for
/// anything secret: its output is predictable from one value.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio increment (2^64 / φ, odd).
    private static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) from the top 53 bits of one output.
    ///
    /// Spelled out rather than `Double.random(in:using:)` so that a seed means the same
    /// model whatever the standard library's sampling algorithm becomes.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform index in `0 ..< bound` (Lemire's multiply-high; the bias, below
    /// bound / 2^64, is irrelevant for feature and point counts). `bound` must be positive.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.nextIndex(below:) needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}

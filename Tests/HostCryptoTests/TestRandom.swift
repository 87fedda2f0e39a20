// Deterministic random inputs for the differential tests, so that a failure reproduces.
import Foundation
import RampartCrypto
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast and good enough to draw test inputs.
/// Never used for keys outside tests.
///
/// Each test draws from its own stream, seeded with the run's base seed mixed with the test's
/// label, so a filtered run reproduces the same inputs. The base seed is fixed, which keeps CI
/// deterministic; `RAMPART_TEST_SEED=<decimal or 0x-hex>` replays another one, and
/// `RAMPART_TEST_SEED=random` draws a fresh one (printed) to explore new inputs.
struct TestRandom: RandomNumberGenerator {
    static let defaultBaseSeed: UInt64 = 0x5241_4D50_4152_5431

    static let baseSeed: UInt64 = {
        let seed: UInt64
        switch ProcessInfo.processInfo.environment["RAMPART_TEST_SEED"] {
        case nil: seed = defaultBaseSeed
        case "random"?: seed = UInt64.random(in: .min ... .max)
        case let text?:
            if text.hasPrefix("0x"), let value = UInt64(text.dropFirst(2), radix: 16) { seed = value }
            else if let value = UInt64(text) { seed = value }
            else { preconditionFailure("RAMPART_TEST_SEED is not a number: \(text)") }
        }
        print("HostCryptoTests: RAMPART_TEST_SEED=0x\(String(seed, radix: 16))")
        return seed
    }()

    let label: String
    private var state: UInt64

    init(_ label: String) {
        self.label = label
        // FNV-1a of the label, so that each test has its own stream.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        state = Self.baseSeed ^ hash
    }

    /// Says where a failing case came from; put it in every expectation's comment.
    func context(_ index: Int) -> Comment {
        "\(label): RAMPART_TEST_SEED=0x\(String(Self.baseSeed, radix: 16)) case \(index)"
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }

    mutating func bytes16() -> Bytes16 { Bytes16(bytes(16)) }
    mutating func bytes32() -> Bytes32 { Bytes32(bytes(32)) }

    /// A length in 0...max, with the interesting ones (`boundaries`) drawn a quarter of the time.
    mutating func length(upTo max: Int, boundaries: [Int] = []) -> Int {
        if !boundaries.isEmpty, Int.random(in: 0..<4, using: &self) == 0 {
            return boundaries.randomElement(using: &self)!
        }
        return Int.random(in: 0...max, using: &self)
    }

    /// Cut points splitting `count` bytes into random chunks, some of them empty.
    mutating func chunks(of count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let end = Swift.min(count, start + Int.random(in: 0...130, using: &self))
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}

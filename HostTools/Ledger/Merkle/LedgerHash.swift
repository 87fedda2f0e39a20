// The 32-byte SHA-256 values of the ledger's Merkle log: leaf hashes, node hashes, roots.
import RampartCrypto

/// A SHA-256 value in the log (32 bytes): a leaf hash, an interior node hash or a tree root.
///
/// The bytes live inline as four machine words, not in an array: equality is four word
/// compares, and `MerkleHashing` feeds a value straight to SHA-256 from its own storage, so
/// hashing millions of nodes allocates nothing. (A homogeneous tuple is laid out contiguously,
/// so the words *are* the 32 bytes in order.)
public struct LedgerHash: Hashable, Sendable, CustomStringConvertible {
    /// Bytes of a SHA-256 value.
    public static let byteCount = 32

    /// The 32 bytes in order, read and written through `withUnsafeBytes(of:)`. The words'
    /// numeric values depend on the machine's byte order: they are compared and hashed, never
    /// interpreted.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// All-zero storage, filled in by the hashing code.
    init() {
        words = (0, 0, 0, 0)
    }

    /// The value whose bytes are `bytes`; nil unless there are exactly 32.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init()
        withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
    }

    /// The value whose bytes are `bytes`; nil unless there are exactly 32.
    public init?(bytes: Span<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init()
        withUnsafeMutableBytes { destination in
            bytes.withUnsafeBufferPointer { destination.copyBytes(from: $0) }
        }
    }

    /// The value of a SHA-256 digest as the crypto wrappers return it (`Sodium().sha256`).
    public init(_ digest: Bytes32) {
        self.init()
        withUnsafeMutableBytes { destination in
            digest.span.withUnsafeBufferPointer { destination.copyBytes(from: $0) }
        }
    }

    /// Parses 64 hexadecimal digits (either case); nil for anything else, including
    /// surrounding white space.
    public init?(hex: String) {
        // Not a hot path (tree heads and proofs arrive as text a few at a time): one copy.
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        self.init()
        let parsed = digits.withUnsafeBufferPointer { digits in
            withUnsafeMutableBytes { Self.parseHex(digits, into: $0) }
        }
        guard parsed else { return nil }
    }

    /// The 32 bytes, in order.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The 32 bytes as a fixed-size value, for the crypto wrappers.
    public var bytes32: Bytes32 {
        var digest = Bytes32(repeating: 0)
        withUnsafeBytes { source in
            for offset in 0..<Self.byteCount { digest[offset] = source[offset] }
        }
        return digest
    }

    /// 64 lower-case hexadecimal digits.
    public var hex: String {
        withUnsafeBytes { source in
            String(unsafeUninitializedCapacity: 2 * Self.byteCount) { output in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (offset, byte) in source.enumerated() {
                    output[2 * offset] = table[Int(byte >> 4)]
                    output[2 * offset + 1] = table[Int(byte & 0x0f)]
                }
                return 2 * Self.byteCount
            }
        }
    }

    public var description: String { hex }

    /// Calls `body` with the 32 bytes, without copying them.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try Swift.withUnsafeBytes(of: words) { (buffer) throws(Failure) -> Result in try body(buffer) }
    }

    /// Calls `body` with the 32 bytes to fill in.
    mutating func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
        Swift.withUnsafeMutableBytes(of: &words, body)
    }

    public static func == (lhs: LedgerHash, rhs: LedgerHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Writes the bytes spelled by 64 hex digits into `output`; false on a non-hex digit.
    private static func parseHex(_ digits: UnsafeBufferPointer<UInt8>,
                                 into output: UnsafeMutableRawBufferPointer) -> Bool {
        for offset in 0..<byteCount {
            guard let high = nibble(digits[2 * offset]), let low = nibble(digits[2 * offset + 1]) else {
                return false
            }
            output[offset] = high << 4 | low
        }
        return true
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

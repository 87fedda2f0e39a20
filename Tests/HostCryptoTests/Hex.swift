// Hex and fixed-size conversions for the tests.
import RampartCrypto

/// Bytes from a hex string (whitespace ignored). Traps on malformed hex: vectors and constants
/// are trusted test data, and a typo there must fail loudly.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd-length hex: \(hex)")
    return stride(from: 0, to: digits.count, by: 2).map { i in
        guard let byte = UInt8(String(digits[i...i + 1]), radix: 16) else { preconditionFailure("bad hex: \(hex)") }
        return byte
    }
}

extension Collection where Element == UInt8 {
    var hex: String {
        let digits = Array("0123456789abcdef")
        return String(flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}

extension InlineArray where Element == UInt8 {
    /// The bytes as an array, for comparisons in tests.
    var array: [UInt8] { (0..<count).map { self[$0] } }

    /// A value from an array of exactly `count` bytes.
    init(_ bytes: [UInt8]) {
        precondition(bytes.count == Self.count, "expected \(Self.count) bytes, got \(bytes.count)")
        self.init(repeating: 0)
        for i in 0..<Self.count { self[i] = bytes[i] }
    }

    init(hex: String) { self.init(hexBytes(hex)) }
}

/// A `count`-byte array written by `body` through a mutable span.
func bytesFilled<E: Error>(_ count: Int, by body: (inout MutableSpan<UInt8>) throws(E) -> Void) throws(E) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var span = bytes.mutableSpan
    try body(&span)
    return bytes
}

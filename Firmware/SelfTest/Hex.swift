/// Decodes a hex literal into a fixed-size byte array. The literals are this module's own
/// test vectors; a malformed one is a defect in the source, and the host test suite runs the
/// same self-test, so it traps there first.
func hex<let count: Int>(_ text: StaticString) -> InlineArray<count, UInt8> {
    var out = InlineArray<count, UInt8>(repeating: 0)
    text.withUTF8Buffer { digits in
        precondition(digits.count == 2 * count, "hex literal of the wrong length")
        for i in 0..<count {
            out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1])
        }
    }
    return out
}

private func nibble(_ digit: UInt8) -> UInt8 {
    switch digit {
    case 0x30...0x39: digit - 0x30
    case 0x61...0x66: digit - 0x61 + 10
    case 0x41...0x46: digit - 0x41 + 10
    default: preconditionFailure("not a hex digit")
    }
}

/// Byte-wise equality for test results (not secret: no constant-time needed).
func equal<let count: Int>(_ a: InlineArray<count, UInt8>, _ b: InlineArray<count, UInt8>) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}

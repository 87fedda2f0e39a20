/// Decodes a hex literal into a fixed-size byte array. The literals are this module's own
/// test vectors; a malformed one is a defect in the source, and the host test suite runs the
/// same self-test, so it traps there first.
func hex<let count: Int>(_ text: StaticString) -> InlineArray<count, UInt8> {
    var out = InlineArray<count, UInt8>(repeating: 0)
    text.withUTF8Buffer { digits in
        precondition(digits.count == 2 * count, "hex literal of the wrong length")
        for i in 0..<count {
            out[i] = hexDigit(digits[2 * i]) << 4 | hexDigit(digits[2 * i + 1])
        }
    }
    return out
}


/// Byte-wise equality for test results (not secret: no constant-time needed).
func equal<let count: Int>(_ a: InlineArray<count, UInt8>, _ b: InlineArray<count, UInt8>) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}

/// Decodes the hex literal `text` into the front of `buffer` and returns its byte count.
/// The literals are generated vectors; one too long for its buffer is a defect in the source.
public func decodeHex<let capacity: Int>(_ text: StaticString, into buffer: inout InlineArray<capacity, UInt8>) -> Int {
    text.withUTF8Buffer { digits in
        precondition(digits.count % 2 == 0 && digits.count / 2 <= capacity, "hex literal too long for its buffer")
        for i in 0..<digits.count / 2 {
            buffer[i] = hexDigit(digits[2 * i]) << 4 | hexDigit(digits[2 * i + 1])
        }
        return digits.count / 2
    }
}

/// Whether `bytes` equals the hex literal `text` (compared in place, no buffer).
public func matchesHex(_ bytes: Span<UInt8>, _ text: StaticString) -> Bool {
    text.withUTF8Buffer { digits in
        guard digits.count == 2 * bytes.count else { return false }
        for i in 0..<bytes.count where bytes[i] != hexDigit(digits[2 * i]) << 4 | hexDigit(digits[2 * i + 1]) {
            return false
        }
        return true
    }
}

func hexDigit(_ digit: UInt8) -> UInt8 {
    switch digit {
    case 0x30...0x39: digit - 0x30
    case 0x61...0x66: digit - 0x61 + 10
    case 0x41...0x46: digit - 0x41 + 10
    default: preconditionFailure("not a hex digit")
    }
}

/// A byte sink for human-readable output (a UART, or a buffer in host tests). Printing
/// uses no `String`: static text and integers only, so it works with no heap.
public protocol Console {
    mutating func write(byte: UInt8)
}

extension Console {
    public mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { buffer in
            for byte in buffer { write(byte: byte) }
        }
    }

    public mutating func write(bytes: Span<UInt8>) {
        for i in 0..<bytes.count { write(byte: bytes[i]) }
    }

    /// Decimal, no leading zeros; works on cores without a divider (`longDivide`).
    public mutating func write(decimal value: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var count = 0
        var remaining = value
        repeat {
            let (quotient, digit) = longDivide(remaining, by: 10)
            digits[count] = UInt8(truncatingIfNeeded: digit) &+ 0x30
            count += 1
            remaining = quotient
        } while remaining != 0
        while count > 0 {
            count -= 1
            write(byte: digits[count])
        }
    }

    public mutating func write(decimal value: Int) {
        if value < 0 {
            write(byte: 0x2D)
            write(decimal: UInt64(value.magnitude))
        } else {
            write(decimal: UInt64(value))
        }
    }

    /// Lower-case hex, two digits per byte.
    public mutating func write(hex bytes: Span<UInt8>) {
        for i in 0..<bytes.count {
            write(byte: hexDigit(bytes[i] >> 4))
            write(byte: hexDigit(bytes[i] & 0x0F))
        }
    }

    /// `0x` and eight hex digits.
    public mutating func write(hex32 value: UInt32) {
        write("0x")
        var shift: UInt32 = 28
        while true {
            write(byte: hexDigit(UInt8(truncatingIfNeeded: value >> shift) & 0x0F))
            if shift == 0 { break }
            shift -= 4
        }
    }
}

@inline(__always)
private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 0x30 &+ nibble : 0x61 &+ nibble &- 10
}

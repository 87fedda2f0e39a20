/// A clock that only moves forward, from a hardware timer.
public protocol MonotonicClock {
    /// Raw timer ticks since start; 64 bits, so it does not wrap in the life of a device.
    mutating func nowTicks() -> UInt64
    /// Nanoseconds per tick (MPS2 Timer0 at 25 MHz: 40; nRF TIMER0 at 16 MHz: 62.5 → given as
    /// a fraction so no floating point is needed).
    static var nanosecondsPerTick: (numerator: UInt32, denominator: UInt32) { get }
}

extension MonotonicClock {
    /// Microseconds since start.
    public mutating func nowMicroseconds() -> UInt64 {
        let (numerator, denominator) = Self.nanosecondsPerTick
        // Multiply first, then divide by 1000 × denominator with a shift-free routine only
        // when needed; the boards use rates where this stays exact enough.
        return ticksToMicroseconds(nowTicks(), numerator: UInt64(numerator), denominator: UInt64(denominator))
    }
}

/// ticks × numerator / (denominator × 1000), by binary long division (cores without a
/// divider have no 64-bit divide instruction either, and this runs rarely).
@usableFromInline
func ticksToMicroseconds(_ ticks: UInt64, numerator: UInt64, denominator: UInt64) -> UInt64 {
    let dividend = ticks &* numerator
    let divisor = denominator &* 1000
    var quotient: UInt64 = 0
    var remainder: UInt64 = 0
    var bit = 63
    while bit >= 0 {
        remainder = (remainder << 1) | ((dividend >> UInt64(bit)) & 1)
        if remainder >= divisor {
            remainder -= divisor
            quotient |= 1 << UInt64(bit)
        }
        bit -= 1
    }
    return quotient
}

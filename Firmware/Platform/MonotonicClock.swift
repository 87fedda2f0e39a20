/// A clock that only moves forward, from a hardware timer.
public protocol MonotonicClock {
    /// Raw timer ticks since start; 64 bits, so it does not wrap in the life of a device.
    mutating func nowTicks() -> UInt64
    /// Nanoseconds per tick (MPS2 Timer0 at 25 MHz: 40; nRF TIMER0 at 16 MHz: 62.5 → given as
    /// a fraction so no floating point is needed).
    static var nanosecondsPerTick: (numerator: UInt32, denominator: UInt32) { get }
}

extension MonotonicClock {
    /// Microseconds since start: ticks × numerator / (denominator × 1000).
    public mutating func nowMicroseconds() -> UInt64 {
        let (numerator, denominator) = Self.nanosecondsPerTick
        return longDivide(nowTicks() &* UInt64(numerator), by: UInt64(denominator) &* 1000).quotient
    }

    /// Milliseconds since start: ticks × numerator / (denominator × 10^6).
    public mutating func nowMilliseconds() -> UInt64 {
        let (numerator, denominator) = Self.nanosecondsPerTick
        return longDivide(nowTicks() &* UInt64(numerator), by: UInt64(denominator) &* 1_000_000).quotient
    }
}

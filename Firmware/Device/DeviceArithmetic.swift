/// Integer helpers for the device's timers. The boards have no 64-bit divide instruction
/// (the Cortex-M0 has no divide at all) and the runtime provides no `__aeabi_uldivmod` or
/// `__aeabi_uidiv`, so nothing in `Firmware/Device` uses `/` or `%`: divisions go through
/// `divide`, random ranges through a multiply and a shift.
enum DeviceArithmetic {
    /// `dividend / divisor` by shift and subtract (64 steps; called a few times per
    /// message, never per byte). A divisor of 0 gives 0 rather than trapping.
    static func divide(_ dividend: UInt64, by divisor: UInt64) -> UInt64 {
        guard divisor != 0 else { return 0 }
        var quotient: UInt64 = 0
        var remainder: UInt64 = 0
        var bit = 63
        while bit >= 0 {
            remainder = (remainder &<< 1) | ((dividend &>> UInt64(bit)) & 1)
            if remainder >= divisor {
                remainder &-= divisor
                quotient |= 1 &<< UInt64(bit)
            }
            bit -= 1
        }
        return quotient
    }

    /// A value in `0..<bound` from 32 random bits: ⌊random × bound / 2^32⌋ (Lemire's
    /// multiply-shift; the bias is below bound / 2^32, irrelevant for timer jitter).
    static func scale(_ random: UInt32, below bound: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: (UInt64(random) &* UInt64(bound)) &>> 32)
    }

    /// `a + b`, stopping at `UInt64.max` (deadlines far in the future stay far).
    static func adding(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? UInt64.max : sum
    }
}

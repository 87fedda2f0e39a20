/// Unsigned 64-bit division by shift and subtract. The cores here have no 64-bit divide
/// instruction (and the Cortex-M0 none at all), and the runtime provides no
/// `__aeabi_uldivmod`; printing and unit conversion are rare enough for 64 steps.
func longDivide(_ dividend: UInt64, by divisor: UInt64) -> (quotient: UInt64, remainder: UInt64) {
    precondition(divisor != 0, "division by zero")
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
    return (quotient, remainder)
}

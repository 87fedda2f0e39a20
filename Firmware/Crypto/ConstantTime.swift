/// Constant-time comparison: the time taken depends on the lengths only, never on where
/// the inputs differ. Use it for MACs and tags.
@inlinable
public func constantTimeEqual(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count {
        difference |= a[i] ^ b[i]
    }
    return constantTimeIsZero(difference)
}

/// 1 when `x == 0`, else 0, with no branch on `x`.
@inlinable
public func constantTimeIsZero(_ x: UInt8) -> Bool {
    // (x - 1) has bit 8 set (as a UInt32) only when x was 0.
    let wide = UInt32(x) &- 1
    return (wide >> 31) & 1 == 1
}

/// All ones when `condition` is 1, all zeros when 0; `condition` must be 0 or 1.
@inlinable
public func constantTimeMask(_ condition: UInt32) -> UInt32 {
    0 &- condition
}

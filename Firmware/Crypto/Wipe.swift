/// Overwrites secret material with zeros in a way the optimiser does not remove.
///
/// The store goes through an opaque, unoptimised function so that dead-store elimination
/// cannot prove the zeros are never read (the role of `memzero_explicit` in WireGuard).
@inline(never)
@_optimize(none)
public func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress else { return }
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    var i = 0
    while i < buffer.count {
        bytes[i] = 0
        i += 1
    }
}

extension InlineArray where Element == UInt8 {
    /// Zeroes this value in place (see `secureZero`).
    @inlinable
    public mutating func wipe() {
        var span = mutableSpan
        span.withUnsafeMutableBytes { secureZero($0) }
    }
}

/// Zeroes a mutable span (see `secureZero`).
@inlinable
public func wipe(_ span: inout MutableSpan<UInt8>) {
    span.withUnsafeMutableBytes { secureZero($0) }
}

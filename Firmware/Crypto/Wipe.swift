#if canImport(Glibc)
import Glibc
#endif

/// Overwrites secret material with zeros in a way the optimiser does not remove.
///
/// On Linux hosts this is glibc's `explicit_bzero`, which exists for exactly this (the role of
/// `memzero_explicit` in WireGuard). On the boards the store goes through an opaque,
/// unoptimised function so that dead-store elimination cannot prove the zeros are never read.
#if canImport(Glibc)
@inline(never)
public func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    explicit_bzero(base, buffer.count)
}
#else
@inline(never)
@_optimize(none)
public func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress else { return }
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    let count = buffer.count
    var i = 0
    while i < count {
        bytes[i] = 0
        i += 1
    }
}
#endif

extension InlineArray where Element: BitwiseCopyable {
    /// Zeroes every element in place (see `secureZero`): keys, and curve workspaces.
    @inlinable
    public mutating func wipe() {
        var elements = mutableSpan
        elements.withUnsafeMutableBytes { secureZero($0) }
    }

    /// Runs `body` on the address of the first element (the others follow it): how field
    /// arithmetic reaches the slots of a caller-owned workspace without copying elements.
    @inline(__always)
    mutating func withSlots<R>(_ body: (UnsafeMutablePointer<Element>) -> R) -> R {
        var elements = mutableSpan
        return elements.withUnsafeMutableBufferPointer { body($0.baseAddress.unsafelyUnwrapped) }
    }
}

/// Zeroes a mutable span (see `secureZero`).
@inlinable
public func wipe(_ span: inout MutableSpan<UInt8>) {
    span.withUnsafeMutableBytes { secureZero($0) }
}

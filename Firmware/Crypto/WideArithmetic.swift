/// Widening a 32-bit limb to 64 bits through concrete operations only.
///
/// On 32-bit targets `UInt64(x)` and `Int64(x)` take the standard library's generic
/// `_truncatingInit` path (a loop over the source's words, because `UInt64.bitWidth >
/// Int.bitWidth`). Inside one LLVM module that folds to a zero-extension, but SwiftPM compiles
/// a module as one LLVM module per file, where it stays a call: 128 calls per P-256 field
/// multiplication, which made ECDH 2.7x slower on the Cortex-M4. `_truncatingBits` from a
/// word is the concrete, always-inlined conversion every integer type provides.
@inline(__always)
func widen(_ x: UInt32) -> UInt64 {
    UInt64(_truncatingBits: UInt(truncatingIfNeeded: x))
}

/// `widen` for signed accumulators (the value is a 32-bit limb, so always non-negative).
@inline(__always)
func widenSigned(_ x: UInt32) -> Int64 {
    Int64(bitPattern: widen(x))
}

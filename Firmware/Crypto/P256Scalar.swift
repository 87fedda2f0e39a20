// What P-256 needs modulo the group order n: the range check of private keys and the
// signed-digit recoding of a scalar for the fixed-window multiplication.

extension P256 {
    /// The group order n (SP 800-186 §3.2.1.3), big-endian.
    static var order: Bytes32 {
        [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
         0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51]
    }

    /// 1 when 1 ≤ d < n, else 0 (SP 800-56A Rev. 3 §5.6.2.1.2). Constant time.
    static func privateKeyInRange(_ d: Bytes32) -> UInt32 {
        let n = order
        var borrow: UInt32 = 0
        var bits: UInt8 = 0
        var i = 31
        while i >= 0 {
            let difference = UInt32(d[i]) &- UInt32(n[i]) &- borrow
            borrow = (difference >> 31) & 1
            bits |= d[i]
            i -= 1
        }
        let nonzero = (0 &- UInt32(bits)) >> 31
        return borrow & nonzero
    }
}

/// Booth recoding of a 256-bit scalar into signed radix-2^w digits in [−2^(w−1), 2^(w−1)],
/// w = 3: digit i = −4·k[3i+2] + 2·k[3i+1] + k[3i] + k[3i−1] (k[−1] = 0), so
/// that k = Σ digit_i · 8^i. The scalar is 32 bytes, big-endian, in a workspace slot (read
/// in place: an InlineArray is copied on every indexed access); indices are public, bits
/// secret.
enum P256ScalarDigits {
    /// Digits needed for 256 bits with the sign carry: ⌈257 / 3⌉.
    static var count: Int { 86 }

    /// The scalar into its slot of a `P256.PointWorkspace` (`P256.WorkspaceLayout.scalar`).
    @inline(never)
    static func load(_ s: P256.Slot, _ scalar: Bytes32) {
        let slot = UnsafeMutableRawPointer(s + P256.WorkspaceLayout.scalar)
        withUnsafeBytes(of: scalar) { bytes in
            slot.copyMemory(from: bytes.baseAddress.unsafelyUnwrapped, byteCount: 32)
        }
    }

    /// Bit `index` of the scalar; zero past bit 255.
    @inline(__always)
    static func bit(_ scalar: UnsafeRawPointer, _ index: Int) -> UInt32 {
        guard index >= 0 && index < 256 else { return 0 }
        let byte = scalar.load(fromByteOffset: 31 - (index >> 3), as: UInt8.self)
        return UInt32(byte >> UInt8(index & 7)) & 1
    }

    /// Digit `i` as (magnitude in 0…4, 1 when negative). Constant time.
    @inline(__always)
    static func digit(_ scalar: UnsafeRawPointer, _ i: Int) -> (magnitude: UInt32, negative: UInt32) {
        let sign = bit(scalar, 3 * i + 2)
        let t = 2 &* bit(scalar, 3 * i + 1) &+ bit(scalar, 3 * i) &+ bit(scalar, 3 * i - 1)   // 0…4
        let mask = constantTimeMask(sign)
        let magnitude = ((t &- 4 &* sign) ^ mask) &- mask
        return (magnitude, sign)
    }
}

// The AES state (FIPS 197 §3.4) held as eight bit planes, so that every step of a round is
// a fixed sequence of Boolean operations on 32-bit words: no table is indexed by secret data
// and no branch depends on it.

/// Eight bit planes: plane `bK` holds bit K of every state byte.
///
/// State byte s[r, c] sits at bit 8r + c of each plane and again at bit 8r + c + 4. Rows are
/// whole bytes, so MixColumns (§5.1.3) reaches row r + 1 by rotating the word 8 bits; the copy
/// in the high nibble makes ShiftRows (§5.1.2) a plain right shift of each row by r.
struct AESPlanes {
    var b0: UInt32, b1: UInt32, b2: UInt32, b3: UInt32
    var b4: UInt32, b5: UInt32, b6: UInt32, b7: UInt32

    static var zero: AESPlanes { AESPlanes(b0: 0, b1: 0, b2: 0, b3: 0, b4: 0, b5: 0, b6: 0, b7: 0) }

    @inline(__always)
    init(b0: UInt32, b1: UInt32, b2: UInt32, b3: UInt32, b4: UInt32, b5: UInt32, b6: UInt32, b7: UInt32) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.b3 = b3
        self.b4 = b4; self.b5 = b5; self.b6 = b6; self.b7 = b7
    }

    /// The state whose columns (§3.5: the words of the input, byte 0 in bits 0…7) are given.
    /// Transposing the 8×8 bit matrix in each byte lane of (w0, w1, w2, w3, w0, w1, w2, w3)
    /// puts bit K of s[r, c] at bit 8r + c of plane K, and the repeated columns give the copy.
    @inline(__always)
    init(columns w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32) {
        self.init(b0: w0, b1: w1, b2: w2, b3: w3, b4: w0, b5: w1, b6: w2, b7: w3)
        transpose()
    }

    /// The state of a 16-byte block, input byte 4c + r at s[r, c] (§3.4).
    @inline(__always)
    init(block: borrowing Bytes16) {
        self.init(columns: Self.littleEndianWord(block, 0), Self.littleEndianWord(block, 4),
                  Self.littleEndianWord(block, 8), Self.littleEndianWord(block, 12))
    }

    /// Writes the state out as a block, s[r, c] at byte 4c + r (§3.4).
    @inline(__always)
    func store(into block: inout Bytes16) {
        var words = self
        words.transpose()
        Self.storeLittleEndianWord(words.b0, into: &block, 0)
        Self.storeLittleEndianWord(words.b1, into: &block, 4)
        Self.storeLittleEndianWord(words.b2, into: &block, 8)
        Self.storeLittleEndianWord(words.b3, into: &block, 12)
    }

    /// Transposes the 8×8 bit matrix formed by byte lane n of the eight words, for each n.
    /// The transpose is its own inverse, so it converts both into and out of planes.
    @inline(__always)
    mutating func transpose() {
        Self.swapMove(&b0, &b1, mask: 0x5555_5555, shift: 1)
        Self.swapMove(&b2, &b3, mask: 0x5555_5555, shift: 1)
        Self.swapMove(&b4, &b5, mask: 0x5555_5555, shift: 1)
        Self.swapMove(&b6, &b7, mask: 0x5555_5555, shift: 1)
        Self.swapMove(&b0, &b2, mask: 0x3333_3333, shift: 2)
        Self.swapMove(&b1, &b3, mask: 0x3333_3333, shift: 2)
        Self.swapMove(&b4, &b6, mask: 0x3333_3333, shift: 2)
        Self.swapMove(&b5, &b7, mask: 0x3333_3333, shift: 2)
        Self.swapMove(&b0, &b4, mask: 0x0F0F_0F0F, shift: 4)
        Self.swapMove(&b1, &b5, mask: 0x0F0F_0F0F, shift: 4)
        Self.swapMove(&b2, &b6, mask: 0x0F0F_0F0F, shift: 4)
        Self.swapMove(&b3, &b7, mask: 0x0F0F_0F0F, shift: 4)
    }

    /// AddRoundKey (§5.1.4).
    @inline(__always)
    mutating func addRoundKey(_ k: AESPlanes) {
        b0 ^= k.b0; b1 ^= k.b1; b2 ^= k.b2; b3 ^= k.b3
        b4 ^= k.b4; b5 ^= k.b5; b6 ^= k.b6; b7 ^= k.b7
    }

    /// SubBytes (§5.1.1) on every bit position at once, as the S-box circuit of Boyar and
    /// Peralta, "A depth-16 circuit for the AES S-box" (2012): 128 gates, 34 of them AND.
    /// Their U0 and S0 are the most significant bit.
    @inline(__always)
    mutating func subBytes() {
        let u0 = b7, u1 = b6, u2 = b5, u3 = b4, u4 = b3, u5 = b2, u6 = b1, u7 = b0

        // Top linear transformation.
        let t1 = u0 ^ u3, t2 = u0 ^ u5, t3 = u0 ^ u6, t4 = u3 ^ u5
        let t5 = u4 ^ u6, t6 = t1 ^ t5, t7 = u1 ^ u2, t8 = u7 ^ t6
        let t9 = u7 ^ t7, t10 = t6 ^ t7, t11 = u1 ^ u5, t12 = u2 ^ u5
        let t13 = t3 ^ t4, t14 = t6 ^ t11, t15 = t5 ^ t11, t16 = t5 ^ t12
        let t17 = t9 ^ t16, t18 = u3 ^ u7, t19 = t7 ^ t18, t20 = t1 ^ t19
        let t21 = u6 ^ u7, t22 = t7 ^ t21, t23 = t2 ^ t22, t24 = t2 ^ t10
        let t25 = t20 ^ t17, t26 = t3 ^ t16, t27 = t1 ^ t12

        // Shared non-linear middle: inversion in GF(2^8) through GF(2^4).
        let m1 = t13 & t6, m2 = t23 & t8, m3 = t14 ^ m1, m4 = t19 & u7
        let m5 = m4 ^ m1, m6 = t3 & t16, m7 = t22 & t9, m8 = t26 ^ m6
        let m9 = t20 & t17, m10 = m9 ^ m6, m11 = t1 & t15, m12 = t4 & t27
        let m13 = m12 ^ m11, m14 = t2 & t10, m15 = m14 ^ m11, m16 = m3 ^ m2
        let m17 = m5 ^ t24, m18 = m8 ^ m7, m19 = m10 ^ m15, m20 = m16 ^ m13
        let m21 = m17 ^ m15, m22 = m18 ^ m13, m23 = m19 ^ t25, m24 = m22 ^ m23
        let m25 = m22 & m20, m26 = m21 ^ m25, m27 = m20 ^ m21, m28 = m23 ^ m25
        let m29 = m28 & m27, m30 = m26 & m24, m31 = m20 & m23, m32 = m27 & m31
        let m33 = m27 ^ m25, m34 = m21 & m22, m35 = m24 & m34, m36 = m24 ^ m25
        let m37 = m21 ^ m29, m38 = m32 ^ m33, m39 = m23 ^ m30, m40 = m35 ^ m36
        let m41 = m38 ^ m40, m42 = m37 ^ m39, m43 = m37 ^ m38, m44 = m39 ^ m40
        let m45 = m42 ^ m41
        let m46 = m44 & t6, m47 = m40 & t8, m48 = m39 & u7, m49 = m43 & t16
        let m50 = m38 & t9, m51 = m37 & t17, m52 = m42 & t15, m53 = m45 & t27
        let m54 = m41 & t10, m55 = m44 & t13, m56 = m40 & t23, m57 = m39 & t19
        let m58 = m43 & t3, m59 = m38 & t22, m60 = m37 & t20, m61 = m42 & t1
        let m62 = m45 & t4, m63 = m41 & t2

        // Bottom linear transformation, with the affine constant 0x63 as the four XNORs.
        let l0 = m61 ^ m62, l1 = m50 ^ m56, l2 = m46 ^ m48, l3 = m47 ^ m55
        let l4 = m54 ^ m58, l5 = m49 ^ m61, l6 = m62 ^ l5, l7 = m46 ^ l3
        let l8 = m51 ^ m59, l9 = m52 ^ m53, l10 = m53 ^ l4, l11 = m60 ^ l2
        let l12 = m48 ^ m51, l13 = m50 ^ l0, l14 = m52 ^ m61, l15 = m55 ^ l1
        let l16 = m56 ^ l0, l17 = m57 ^ l1, l18 = m58 ^ l8, l19 = m63 ^ l4
        let l20 = l0 ^ l1, l21 = l1 ^ l7, l22 = l3 ^ l12, l23 = l18 ^ l2
        let l24 = l15 ^ l9, l25 = l6 ^ l10, l26 = l7 ^ l9, l27 = l8 ^ l10
        let l28 = l11 ^ l14, l29 = l11 ^ l17

        b7 = l6 ^ l24
        b6 = ~(l16 ^ l26)
        b5 = ~(l19 ^ l28)
        b4 = l6 ^ l21
        b3 = l20 ^ l22
        b2 = l25 ^ l29
        b1 = ~(l13 ^ l27)
        b0 = ~(l6 ^ l23)
    }

    /// ShiftRows (§5.1.2): s'[r, c] = s[r, (c + r) mod 4]. Thanks to the copy, row r shifted
    /// right by r holds the rotated row in its low nibble; the copy is then restored.
    @inline(__always)
    mutating func shiftRows() {
        b0 = Self.shiftRows(b0); b1 = Self.shiftRows(b1); b2 = Self.shiftRows(b2); b3 = Self.shiftRows(b3)
        b4 = Self.shiftRows(b4); b5 = Self.shiftRows(b5); b6 = Self.shiftRows(b6); b7 = Self.shiftRows(b7)
    }

    @inline(__always)
    static func shiftRows(_ x: UInt32) -> UInt32 {
        let rows = (x & 0x0000_000F) | ((x >> 1) & 0x0000_0F00) | ((x >> 2) & 0x000F_0000) | ((x >> 3) & 0x0F00_0000)
        return rows | (rows << 4)
    }

    /// MixColumns (§5.1.3): s'[r] = 2·(s[r] ⊕ s[r+1]) ⊕ s[r+1] ⊕ s[r+2] ⊕ s[r+3], rows mod 4.
    /// With t = s[r] ⊕ s[r+1], the last three terms are s[r+1] ⊕ t[r+2]. Doubling is xtime
    /// (§4.2.1) across planes: a shift of the plane index, with b7 folded in as 0x1B.
    @inline(__always)
    mutating func mixColumns() {
        let r0 = Self.rotateRight(b0, 8), r1 = Self.rotateRight(b1, 8), r2 = Self.rotateRight(b2, 8), r3 = Self.rotateRight(b3, 8)
        let r4 = Self.rotateRight(b4, 8), r5 = Self.rotateRight(b5, 8), r6 = Self.rotateRight(b6, 8), r7 = Self.rotateRight(b7, 8)
        let t0 = b0 ^ r0, t1 = b1 ^ r1, t2 = b2 ^ r2, t3 = b3 ^ r3
        let t4 = b4 ^ r4, t5 = b5 ^ r5, t6 = b6 ^ r6, t7 = b7 ^ r7
        b0 = t7 ^ r0 ^ Self.rotateRight(t0, 16)
        b1 = t0 ^ t7 ^ r1 ^ Self.rotateRight(t1, 16)
        b2 = t1 ^ r2 ^ Self.rotateRight(t2, 16)
        b3 = t2 ^ t7 ^ r3 ^ Self.rotateRight(t3, 16)
        b4 = t3 ^ t7 ^ r4 ^ Self.rotateRight(t4, 16)
        b5 = t4 ^ r5 ^ Self.rotateRight(t5, 16)
        b6 = t5 ^ r6 ^ Self.rotateRight(t6, 16)
        b7 = t6 ^ r7 ^ Self.rotateRight(t7, 16)
    }
}

extension AESPlanes {
    /// Exchanges the bits of `a` selected by `mask << shift` with the bits of `b` selected by `mask`.
    @inline(__always)
    static func swapMove(_ a: inout UInt32, _ b: inout UInt32, mask: UInt32, shift: UInt32) {
        let t = ((a >> shift) ^ b) & mask
        b ^= t
        a ^= t << shift
    }

    @inline(__always)
    static func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }

    @inline(__always)
    static func littleEndianWord(_ bytes: borrowing Bytes16, _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    @inline(__always)
    static func storeLittleEndianWord(_ w: UInt32, into bytes: inout Bytes16, _ i: Int) {
        bytes[i] = UInt8(truncatingIfNeeded: w)
        bytes[i + 1] = UInt8(truncatingIfNeeded: w >> 8)
        bytes[i + 2] = UInt8(truncatingIfNeeded: w >> 16)
        bytes[i + 3] = UInt8(truncatingIfNeeded: w >> 24)
    }
}

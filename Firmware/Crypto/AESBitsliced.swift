// The AES state (FIPS 197 §3.4) held as eight bit planes, so that every step of a round is
// a fixed sequence of Boolean operations on 32-bit words: no table is indexed by secret data
// and no branch depends on it.
//
// ShiftRows is never computed. As in fixslicing (Adomnicai and Peyrin, "Fixslicing AES-like
// Ciphers", TCHES 2021), after round i the planes hold SR^-i of the true state, where SR is
// ShiftRows (§5.1.2): SubBytes and AddRoundKey do not care, MixColumns reads the skewed
// columns, round key i is stored skewed the same way, and the output undoes SR^-10 = SR^-2.

/// Eight bit planes: plane `bK` holds bit K of every state byte.
///
/// State byte s[r, c] sits at bit 8r + c of each plane and again at bit 8r + c + 4. Rows are
/// whole bytes, so rotating a plane by 8 bits reaches the next row, and thanks to the copy a
/// further rotation by j < 4 bits reaches column c + j of that row for the bits 8r + 0…3
/// (or column c − j for the bits 8r + 4…7).
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

    /// Writes SR^2 of the state out as a block, s[r, c] at byte 4c + r (§3.4). Only the low
    /// half of each plane byte is read (the last MixColumns leaves only that half right):
    /// after the transpose word c holds column c, and SR^2 takes rows 1 and 3 from column
    /// c + 2 (mod 4).
    @inline(__always)
    func storeShiftedTwice(into block: inout Bytes16) {
        var words = self
        words.transpose()
        // SR^2 swaps the odd bytes (rows 1 and 3) of columns c and c + 2.
        let swap02 = (words.b0 ^ words.b2) & 0xFF00_FF00, swap13 = (words.b1 ^ words.b3) & 0xFF00_FF00
        var span = block.mutableSpan
        var bytes = span.mutableBytes
        bytes.storeBytes(of: (words.b0 ^ swap02).littleEndian, toByteOffset: 0, as: UInt32.self)
        bytes.storeBytes(of: (words.b1 ^ swap13).littleEndian, toByteOffset: 4, as: UInt32.self)
        bytes.storeBytes(of: (words.b2 ^ swap02).littleEndian, toByteOffset: 8, as: UInt32.self)
        bytes.storeBytes(of: (words.b3 ^ swap13).littleEndian, toByteOffset: 12, as: UInt32.self)
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

    /// SubBytes (§5.1.1) on every bit position at once, as the 113-gate circuit of Boyar,
    /// Peralta and Calik (SLP_AES_113; Boyar and Peralta, "A new combinational logic
    /// minimization technique with applications to cryptology", SEA 2010): 32 AND, 81 XOR.
    /// Its u0 and s0 are the most significant bit. The gates are in the order Schwabe and
    /// Stoffelen's scheduler found for the Cortex-M3/M4 ("All the AES you need on Cortex-M3
    /// and M4", SAC 2016), which keeps few values live. The circuit's four XNORs (the affine
    /// constant 0x63) are left out: the result is S(x) ⊕ 0x63, and the round keys carry it.
    @inline(__always)
    mutating func subBytesWithoutConstant() {
        let u0 = b7, u1 = b6, u2 = b5, u3 = b4, u4 = b3, u5 = b2, u6 = b1, u7 = b0

        let y14 = u3 ^ u5, y13 = u0 ^ u6, y12 = y13 ^ y14, t1 = u4 ^ y12
        let y15 = t1 ^ u5, t2 = y12 & y15, y6 = y15 ^ u7, y20 = t1 ^ u1
        let y9 = u0 ^ u3, y11 = y20 ^ y9, t12 = y9 & y11, y7 = u7 ^ y11
        let y8 = u0 ^ u5, t0 = u1 ^ u2, y10 = y15 ^ t0, y17 = y10 ^ y11
        let t13 = y14 & y17, t14 = t13 ^ t12, y19 = y10 ^ y8, t15 = y8 & y10
        let t16 = t15 ^ t12, y16 = t0 ^ y11, y21 = y13 ^ y16, t7 = y13 & y16
        let y18 = u0 ^ y16, y1 = t0 ^ u7, y4 = y1 ^ u3, t5 = y4 & u7
        let t6 = t5 ^ t2, t18 = t6 ^ t16, t22 = t18 ^ y19, y2 = y1 ^ u0
        let t10 = y2 & y7, t11 = t10 ^ t7, t20 = t11 ^ t16, t24 = t20 ^ y18
        let y5 = y1 ^ u6, t8 = y5 & y1, t9 = t8 ^ t7, t19 = t9 ^ t14
        let t23 = t19 ^ y21, y3 = y5 ^ y8, t3 = y3 & y6, t4 = t3 ^ t2
        let t17 = t4 ^ y20, t21 = t17 ^ t14, t26 = t21 & t23, t27 = t24 ^ t26
        let t31 = t22 ^ t26, t25 = t21 ^ t22, t28 = t25 & t27, t29 = t28 ^ t22
        let z14 = t29 & y2, z5 = t29 & y7, t30 = t23 ^ t24, t32 = t31 & t30
        let t33 = t32 ^ t24, t35 = t27 ^ t33, t36 = t24 & t35, t38 = t27 ^ t36
        let t39 = t29 & t38, t40 = t25 ^ t39, t43 = t29 ^ t40, z3 = t43 & y16
        let tc12 = z3 ^ z5, z12 = t43 & y13, z13 = t40 & y5, z4 = t40 & y1
        let tc6 = z3 ^ z4, t34 = t23 ^ t33, t37 = t36 ^ t34, t41 = t40 ^ t37
        let z8 = t41 & y10, z17 = t41 & y8, t44 = t33 ^ t37, z0 = t44 & y15
        let z9 = t44 & y12, z10 = t37 & y3, z1 = t37 & y6, tc5 = z1 ^ z0
        let tc11 = tc6 ^ tc5, z11 = t33 & y4, t42 = t29 ^ t33, t45 = t42 ^ t41
        let z7 = t45 & y17, tc8 = z7 ^ tc6, z16 = t45 & y14, z6 = t42 & y11
        let tc16 = z6 ^ tc8, z15 = t42 & y9, tc20 = z15 ^ tc16, tc1 = z15 ^ z16
        let tc2 = z10 ^ tc1, tc21 = tc2 ^ z11, tc3 = z9 ^ tc2
        b7 = tc3 ^ tc16                 // s0
        let s3 = tc3 ^ tc11
        b6 = s3 ^ tc16                  // s1, an XNOR in the circuit
        let tc13 = z13 ^ tc1, z2 = t33 & u7, tc4 = z0 ^ z2, tc7 = z12 ^ tc4
        let tc9 = z8 ^ tc7, tc10 = tc8 ^ tc9, tc17 = z14 ^ tc10
        b2 = tc21 ^ tc17                // s5
        let tc26 = tc17 ^ tc20
        b5 = tc26 ^ z17                 // s2, an XNOR in the circuit
        let tc14 = tc4 ^ tc12, tc18 = tc13 ^ tc14
        b1 = tc10 ^ tc18                // s6, an XNOR in the circuit
        b0 = z12 ^ tc18                 // s7, an XNOR in the circuit
        b3 = tc14 ^ s3                  // s4
        b4 = s3                         // s3
    }

    /// Planes of the byte 0x63 in every position: the constant the S-box circuit leaves out.
    static var sBoxConstant: AESPlanes {
        AESPlanes(b0: ~0, b1: ~0, b2: 0, b3: 0, b4: 0, b5: ~0, b6: ~0, b7: 0)
    }

    /// MixColumns (§5.1.3) on a state skewed by SR^-k, leaving it skewed by SR^-k:
    /// s'[r, c] = 2·u0 ⊕ 3·u1 ⊕ u2 ⊕ u3 with u_i = s[r + i, c + k·i]. `rotate1` and `rotate2`
    /// are the plane rotations that reach u1 and u2: 8i bits for the row, then ±(k·i mod 4)
    /// for the column (see `AESPlanes`), so the result is right in one half of each byte only,
    /// the low half for + and the high half for −.
    ///
    /// With t = u0 ⊕ u1, the result is 2·t ⊕ u1 ⊕ t' where t' = u2 ⊕ u3 is t read through
    /// `rotate2`; u1 ⊕ t' is computed as u0 ⊕ (t read through rotate2 − rotate1), read through
    /// `rotate1`, which saves an instruction per plane on Arm. Doubling is xtime (§4.2.1) across
    /// planes: a shift of the plane index, with b7 folded in as 0x1B.
    @inline(__always)
    mutating func mixColumns(rotate1 n1: UInt32, rotate2 n2: UInt32) {
        let t0 = b0 ^ Self.rotateRight(b0, n1), t1 = b1 ^ Self.rotateRight(b1, n1)
        let t2 = b2 ^ Self.rotateRight(b2, n1), t3 = b3 ^ Self.rotateRight(b3, n1)
        let t4 = b4 ^ Self.rotateRight(b4, n1), t5 = b5 ^ Self.rotateRight(b5, n1)
        let t6 = b6 ^ Self.rotateRight(b6, n1), t7 = b7 ^ Self.rotateRight(b7, n1)
        b0 = t7 ^ Self.rotateRight(b0 ^ Self.rotateRight(t0, n2 - n1), n1)
        b1 = t0 ^ t7 ^ Self.rotateRight(b1 ^ Self.rotateRight(t1, n2 - n1), n1)
        b2 = t1 ^ Self.rotateRight(b2 ^ Self.rotateRight(t2, n2 - n1), n1)
        b3 = t2 ^ t7 ^ Self.rotateRight(b3 ^ Self.rotateRight(t3, n2 - n1), n1)
        b4 = t3 ^ t7 ^ Self.rotateRight(b4 ^ Self.rotateRight(t4, n2 - n1), n1)
        b5 = t4 ^ Self.rotateRight(b5 ^ Self.rotateRight(t5, n2 - n1), n1)
        b6 = t5 ^ Self.rotateRight(b6 ^ Self.rotateRight(t6, n2 - n1), n1)
        b7 = t6 ^ Self.rotateRight(b7 ^ Self.rotateRight(t7, n2 - n1), n1)
    }

    /// Round `round` < Nr (§5.1): SubBytes, MixColumns, AddRoundKey, on the state skewed by
    /// SR^-(round − 1) before and SR^-round after. With k = round mod 4, MixColumns reads
    /// columns c + k, c + 2k (mod 4) of the next two rows, from the low half of each byte for
    /// k = 1, 2 and the high half for k = 3 (that is, −1 and −2); k = 0 reads column c, from
    /// the half the previous round left right. The other half is restored only where the next
    /// round reads it: k = 1 reads bits 0…6, k = 2 bits 0…5, k = 3 bits 1…7, k = 0 one half,
    /// and the output (`storeShiftedTwice`) the low half.
    /// Out of line on purpose: inlined ten times it cost 6 KB of flash for ~4% speed. The
    /// switch is on the round number, which is public.
    ///
    /// `key` is only read. It is `inout` so that it is passed by address without a copy and
    /// known not to alias `self`: a by-value key made every call site copy its round key to a
    /// stack slot of its own (~320 B of frame in `AES128.encrypt`), and a pointer made the
    /// state be stored twice.
    @inline(never)
    mutating func round(_ round: Int, key: inout AESPlanes) {
        subBytesWithoutConstant()
        switch round {
        case 1, 5:
            mixColumns(rotate1: 8 + 1, rotate2: 16 + 2)
            copyHalf(lowHalf: true)
        case 2, 6:
            mixColumns(rotate1: 8 + 2, rotate2: 16)
            copyHalf(lowHalf: true)
        case 3, 7:
            mixColumns(rotate1: 8 - 1, rotate2: 16 - 2)
        case 4, 8:
            mixColumns(rotate1: 8, rotate2: 16)
            copyHalf(lowHalf: false)
        default:
            mixColumns(rotate1: 8 + 1, rotate2: 16 + 2)
        }
        addRoundKey(key)
    }

    /// Copies the low (or high) half of each byte over the other half.
    @inline(__always)
    mutating func copyHalf(lowHalf: Bool) {
        b0 = Self.copyHalf(b0, lowHalf: lowHalf); b1 = Self.copyHalf(b1, lowHalf: lowHalf)
        b2 = Self.copyHalf(b2, lowHalf: lowHalf); b3 = Self.copyHalf(b3, lowHalf: lowHalf)
        b4 = Self.copyHalf(b4, lowHalf: lowHalf); b5 = Self.copyHalf(b5, lowHalf: lowHalf)
        b6 = Self.copyHalf(b6, lowHalf: lowHalf); b7 = Self.copyHalf(b7, lowHalf: lowHalf)
    }

    @inline(__always)
    static func copyHalf(_ x: UInt32, lowHalf: Bool) -> UInt32 {
        if lowHalf {
            let low = x & 0x0F0F_0F0F
            return low | (low << 4)
        } else {
            let high = x & 0xF0F0_F0F0
            return high | (high >> 4)
        }
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
}

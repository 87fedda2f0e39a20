// Arithmetic modulo the P-256 prime p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (SP 800-186 §3.2.1.3).
// Every operation runs the same instructions whatever the values: no branch and no memory
// index depends on an operand. Limbs are stored properties and the products are written
// out limb by limb: Swift copies an InlineArray on every indexed access in these loops.

extension P256 {
    /// An element of GF(p): eight 32-bit limbs, l0 least significant, always fully reduced
    /// to [0, p).
    struct FieldElement {
        var l0, l1, l2, l3, l4, l5, l6, l7: UInt32

        @inline(__always)
        init(_ l0: UInt32, _ l1: UInt32, _ l2: UInt32, _ l3: UInt32,
             _ l4: UInt32, _ l5: UInt32, _ l6: UInt32, _ l7: UInt32) {
            self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
            self.l4 = l4; self.l5 = l5; self.l6 = l6; self.l7 = l7
        }

        static var zero: FieldElement { FieldElement(0, 0, 0, 0, 0, 0, 0, 0) }
        static var one: FieldElement { FieldElement(1, 0, 0, 0, 0, 0, 0, 0) }

        /// The curve coefficient b (SP 800-186 §3.2.1.3).
        static var b: FieldElement {
            FieldElement(0x27D2_604B, 0x3BCE_3C3E, 0xCC53_B0F6, 0x651D_06B0,
                         0x7698_86BC, 0xB3EB_BD55, 0xAA3A_93E7, 0x5AC6_35D8)
        }
    }
}

// MARK: - Word arithmetic

extension P256.FieldElement {
    /// a·b + c + k, low word returned, high word left in k. Never overflows 64 bits.
    @inline(__always)
    static func mulAdd(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ k: inout UInt32) -> UInt32 {
        let t = widen(a) &* widen(b) &+ widen(c) &+ widen(k)
        k = UInt32(truncatingIfNeeded: t >> 32)
        return UInt32(truncatingIfNeeded: t)
    }

    /// a + k, the carry left in k.
    @inline(__always)
    static func addWord(_ a: UInt32, _ k: inout UInt32) -> UInt32 {
        let t = widen(a) &+ widen(k)
        k = UInt32(truncatingIfNeeded: t >> 32)
        return UInt32(truncatingIfNeeded: t)
    }

    /// a + b + carry (carry 0 or 1 in and out).
    @inline(__always)
    static func addCarry(_ a: UInt32, _ b: UInt32, _ carry: inout UInt32) -> UInt32 {
        let t = widen(a) &+ widen(b) &+ widen(carry)
        carry = UInt32(truncatingIfNeeded: t >> 32)
        return UInt32(truncatingIfNeeded: t)
    }

    /// a − b − borrow (borrow 0 or 1 in and out).
    @inline(__always)
    static func subBorrow(_ a: UInt32, _ b: UInt32, _ borrow: inout UInt32) -> UInt32 {
        let t = widen(a) &- widen(b) &- widen(borrow)
        borrow = UInt32(truncatingIfNeeded: t >> 63)
        return UInt32(truncatingIfNeeded: t)
    }

    /// self − p with the borrow out: 1 exactly when self < p.
    @inline(__always)
    func subtractingPrime(borrow: inout UInt32) -> P256.FieldElement {
        typealias F = P256.FieldElement
        borrow = 0
        let d0 = F.subBorrow(l0, 0xFFFF_FFFF, &borrow), d1 = F.subBorrow(l1, 0xFFFF_FFFF, &borrow)
        let d2 = F.subBorrow(l2, 0xFFFF_FFFF, &borrow), d3 = F.subBorrow(l3, 0, &borrow)
        let d4 = F.subBorrow(l4, 0, &borrow), d5 = F.subBorrow(l5, 0, &borrow)
        let d6 = F.subBorrow(l6, 1, &borrow), d7 = F.subBorrow(l7, 0xFFFF_FFFF, &borrow)
        return F(d0, d1, d2, d3, d4, d5, d6, d7)
    }

    /// `a` where `mask` is all ones, `b` where it is zero.
    @inline(__always)
    static func select(_ mask: UInt32, _ a: P256.FieldElement, _ b: P256.FieldElement) -> P256.FieldElement {
        P256.FieldElement(
            (a.l0 & mask) | (b.l0 & ~mask), (a.l1 & mask) | (b.l1 & ~mask),
            (a.l2 & mask) | (b.l2 & ~mask), (a.l3 & mask) | (b.l3 & ~mask),
            (a.l4 & mask) | (b.l4 & ~mask), (a.l5 & mask) | (b.l5 & ~mask),
            (a.l6 & mask) | (b.l6 & ~mask), (a.l7 & mask) | (b.l7 & ~mask))
    }

    /// self |= other & mask, for scanning a table.
    @inline(__always)
    mutating func accumulate(_ other: P256.FieldElement, _ mask: UInt32) {
        l0 |= other.l0 & mask; l1 |= other.l1 & mask; l2 |= other.l2 & mask; l3 |= other.l3 & mask
        l4 |= other.l4 & mask; l5 |= other.l5 & mask; l6 |= other.l6 & mask; l7 |= other.l7 & mask
    }

    mutating func wipe() {
        withUnsafeMutableBytes(of: &self) { secureZero($0) }
    }
}

// MARK: - Encoding

extension P256.FieldElement {
    /// The element of a 32-byte big-endian string, or nil when the string is not below p
    /// (SEC 1 §2.3.6). Used on public inputs: the caller may branch on the answer.
    init?(bigEndian bytes: Bytes32) {
        self.init(unreduced: bytes)
        var borrow: UInt32 = 0
        _ = subtractingPrime(borrow: &borrow)
        guard borrow == 1 else { return nil }
    }

    /// The limbs of a 32-byte big-endian string taken as they are: for values known to be
    /// below p (coordinates of a validated public key).
    init(unreduced bytes: Bytes32) {
        typealias F = P256.FieldElement
        self.init(F.word(bytes, 7), F.word(bytes, 6), F.word(bytes, 5), F.word(bytes, 4),
                  F.word(bytes, 3), F.word(bytes, 2), F.word(bytes, 1), F.word(bytes, 0))
    }

    /// Big-endian word `index` (0 = most significant) of a 32-byte string.
    @inline(__always)
    static func word(_ bytes: Bytes32, _ index: Int) -> UInt32 {
        let at = 4 * index
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16
            | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// 32-byte big-endian form (SEC 1 §2.3.5).
    var bigEndianBytes: Bytes32 {
        var out = Bytes32.zero
        let words = (l7, l6, l5, l4, l3, l2, l1, l0)
        withUnsafeBytes(of: words) { raw in
            for index in 0..<8 {
                let limb = raw.load(fromByteOffset: 4 * index, as: UInt32.self)
                for byte in 0..<4 {
                    out[4 * index + byte] = UInt8(truncatingIfNeeded: limb >> UInt32(24 - 8 * byte))
                }
            }
        }
        return out
    }

    /// Whether the element is odd, the sign bit of point compression (SEC 1 §2.3.3).
    var isOdd: Bool { l0 & 1 == 1 }

    /// All ones when the element is zero, else zero. Constant time.
    // Always inlined: as an out-of-line getter, Swift 6.3's Thumb-2 code loaded self with
    // `ldm r10!`, clobbering the callee-saved self register of the caller.
    @inline(__always)
    var isZeroMask: UInt32 {
        let bits = l0 | l1 | l2 | l3 | l4 | l5 | l6 | l7
        return constantTimeMask(((bits | (0 &- bits)) >> 31) ^ 1)
    }

    /// Equality, for public values (point validation).
    func isEqual(to other: P256.FieldElement) -> Bool {
        (self - other).isZeroMask != 0
    }
}

// MARK: - Addition and subtraction

extension P256.FieldElement {
    /// r ← a + b.
    @inline(never)
    static func add(_ r: inout P256.FieldElement, _ a: P256.FieldElement, _ b: P256.FieldElement) {
        var carry: UInt32 = 0
        let sum = P256.FieldElement(
            addCarry(a.l0, b.l0, &carry), addCarry(a.l1, b.l1, &carry),
            addCarry(a.l2, b.l2, &carry), addCarry(a.l3, b.l3, &carry),
            addCarry(a.l4, b.l4, &carry), addCarry(a.l5, b.l5, &carry),
            addCarry(a.l6, b.l6, &carry), addCarry(a.l7, b.l7, &carry))
        // a + b < 2p: subtract p unless the sum (with its carry out) is below p.
        var borrow: UInt32 = 0
        let reduced = sum.subtractingPrime(borrow: &borrow)
        r = select(constantTimeMask(borrow & (carry ^ 1)), sum, reduced)
    }

    /// r ← a − b.
    @inline(never)
    static func sub(_ r: inout P256.FieldElement, _ a: P256.FieldElement, _ b: P256.FieldElement) {
        var borrow: UInt32 = 0
        let d0 = subBorrow(a.l0, b.l0, &borrow), d1 = subBorrow(a.l1, b.l1, &borrow)
        let d2 = subBorrow(a.l2, b.l2, &borrow), d3 = subBorrow(a.l3, b.l3, &borrow)
        let d4 = subBorrow(a.l4, b.l4, &borrow), d5 = subBorrow(a.l5, b.l5, &borrow)
        let d6 = subBorrow(a.l6, b.l6, &borrow), d7 = subBorrow(a.l7, b.l7, &borrow)
        // On a borrow the words hold a − b + 2^256; adding p (mod 2^256) gives a − b + p.
        let m = constantTimeMask(borrow)
        var carry: UInt32 = 0
        r = P256.FieldElement(
            addCarry(d0, m, &carry), addCarry(d1, m, &carry), addCarry(d2, m, &carry),
            addCarry(d3, 0, &carry), addCarry(d4, 0, &carry), addCarry(d5, 0, &carry),
            addCarry(d6, m & 1, &carry), addCarry(d7, m, &carry))
    }

    static func + (a: P256.FieldElement, b: P256.FieldElement) -> P256.FieldElement {
        var r = P256.FieldElement.zero
        add(&r, a, b)
        return r
    }

    static func - (a: P256.FieldElement, b: P256.FieldElement) -> P256.FieldElement {
        var r = P256.FieldElement.zero
        sub(&r, a, b)
        return r
    }

    /// −a mod p.
    var negated: P256.FieldElement { .zero - self }
}

// MARK: - Multiplication

extension P256.FieldElement {
    typealias FieldElement = P256.FieldElement

    static func mul(_ r: inout FieldElement, _ a: FieldElement, _ b: FieldElement) {
        // Operand scanning, one row per limb of a: r[i+j] + a[i]·b[j] + k < 2^64.
        let a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4, a5 = a.l5, a6 = a.l6, a7 = a.l7
        let b0 = b.l0, b1 = b.l1, b2 = b.l2, b3 = b.l3, b4 = b.l4, b5 = b.l5, b6 = b.l6, b7 = b.l7
        var k: UInt32 = 0
        let r0 = mulAdd(a0, b0, 0, &k); var r1 = mulAdd(a0, b1, 0, &k); var r2 = mulAdd(a0, b2, 0, &k); var r3 = mulAdd(a0, b3, 0, &k); var r4 = mulAdd(a0, b4, 0, &k); var r5 = mulAdd(a0, b5, 0, &k); var r6 = mulAdd(a0, b6, 0, &k); var r7 = mulAdd(a0, b7, 0, &k); var r8 = k
        k = 0; r1 = mulAdd(a1, b0, r1, &k); r2 = mulAdd(a1, b1, r2, &k); r3 = mulAdd(a1, b2, r3, &k); r4 = mulAdd(a1, b3, r4, &k); r5 = mulAdd(a1, b4, r5, &k); r6 = mulAdd(a1, b5, r6, &k); r7 = mulAdd(a1, b6, r7, &k); r8 = mulAdd(a1, b7, r8, &k)
        var r9 = k
        k = 0; r2 = mulAdd(a2, b0, r2, &k); r3 = mulAdd(a2, b1, r3, &k); r4 = mulAdd(a2, b2, r4, &k); r5 = mulAdd(a2, b3, r5, &k); r6 = mulAdd(a2, b4, r6, &k); r7 = mulAdd(a2, b5, r7, &k); r8 = mulAdd(a2, b6, r8, &k); r9 = mulAdd(a2, b7, r9, &k)
        var r10 = k
        k = 0; r3 = mulAdd(a3, b0, r3, &k); r4 = mulAdd(a3, b1, r4, &k); r5 = mulAdd(a3, b2, r5, &k); r6 = mulAdd(a3, b3, r6, &k); r7 = mulAdd(a3, b4, r7, &k); r8 = mulAdd(a3, b5, r8, &k); r9 = mulAdd(a3, b6, r9, &k); r10 = mulAdd(a3, b7, r10, &k)
        var r11 = k
        k = 0; r4 = mulAdd(a4, b0, r4, &k); r5 = mulAdd(a4, b1, r5, &k); r6 = mulAdd(a4, b2, r6, &k); r7 = mulAdd(a4, b3, r7, &k); r8 = mulAdd(a4, b4, r8, &k); r9 = mulAdd(a4, b5, r9, &k); r10 = mulAdd(a4, b6, r10, &k); r11 = mulAdd(a4, b7, r11, &k)
        var r12 = k
        k = 0; r5 = mulAdd(a5, b0, r5, &k); r6 = mulAdd(a5, b1, r6, &k); r7 = mulAdd(a5, b2, r7, &k); r8 = mulAdd(a5, b3, r8, &k); r9 = mulAdd(a5, b4, r9, &k); r10 = mulAdd(a5, b5, r10, &k); r11 = mulAdd(a5, b6, r11, &k); r12 = mulAdd(a5, b7, r12, &k)
        var r13 = k
        k = 0; r6 = mulAdd(a6, b0, r6, &k); r7 = mulAdd(a6, b1, r7, &k); r8 = mulAdd(a6, b2, r8, &k); r9 = mulAdd(a6, b3, r9, &k); r10 = mulAdd(a6, b4, r10, &k); r11 = mulAdd(a6, b5, r11, &k); r12 = mulAdd(a6, b6, r12, &k); r13 = mulAdd(a6, b7, r13, &k)
        var r14 = k
        k = 0; r7 = mulAdd(a7, b0, r7, &k); r8 = mulAdd(a7, b1, r8, &k); r9 = mulAdd(a7, b2, r9, &k); r10 = mulAdd(a7, b3, r10, &k); r11 = mulAdd(a7, b4, r11, &k); r12 = mulAdd(a7, b5, r12, &k); r13 = mulAdd(a7, b6, r13, &k); r14 = mulAdd(a7, b7, r14, &k)
        let r15 = k
        r = reduce(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15)
    }

    static func sqr(_ r: inout FieldElement, _ a: FieldElement) {
        // The products a[i]·a[j], i < j, once; doubled; then the squares a[i]^2 added.
        let a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4, a5 = a.l5, a6 = a.l6, a7 = a.l7
        typealias F = FieldElement
        var k: UInt32 = 0
        var r1 = F.mulAdd(a0, a1, 0, &k); var r2 = F.mulAdd(a0, a2, 0, &k); var r3 = F.mulAdd(a0, a3, 0, &k); var r4 = F.mulAdd(a0, a4, 0, &k); var r5 = F.mulAdd(a0, a5, 0, &k); var r6 = F.mulAdd(a0, a6, 0, &k); var r7 = F.mulAdd(a0, a7, 0, &k); var r8 = k
        k = 0; r3 = F.mulAdd(a1, a2, r3, &k); r4 = F.mulAdd(a1, a3, r4, &k); r5 = F.mulAdd(a1, a4, r5, &k); r6 = F.mulAdd(a1, a5, r6, &k); r7 = F.mulAdd(a1, a6, r7, &k); r8 = F.mulAdd(a1, a7, r8, &k)
        var r9 = k
        k = 0; r5 = F.mulAdd(a2, a3, r5, &k); r6 = F.mulAdd(a2, a4, r6, &k); r7 = F.mulAdd(a2, a5, r7, &k); r8 = F.mulAdd(a2, a6, r8, &k); r9 = F.mulAdd(a2, a7, r9, &k)
        var r10 = k
        k = 0; r7 = F.mulAdd(a3, a4, r7, &k); r8 = F.mulAdd(a3, a5, r8, &k); r9 = F.mulAdd(a3, a6, r9, &k); r10 = F.mulAdd(a3, a7, r10, &k)
        var r11 = k
        k = 0; r9 = F.mulAdd(a4, a5, r9, &k); r10 = F.mulAdd(a4, a6, r10, &k); r11 = F.mulAdd(a4, a7, r11, &k)
        var r12 = k
        k = 0; r11 = F.mulAdd(a5, a6, r11, &k); r12 = F.mulAdd(a5, a7, r12, &k)
        var r13 = k
        k = 0; r13 = F.mulAdd(a6, a7, r13, &k)
        var r14 = k
        var r15 = r14 >> 31
        r14 = r14 << 1 | r13 >> 31
        r13 = r13 << 1 | r12 >> 31
        r12 = r12 << 1 | r11 >> 31
        r11 = r11 << 1 | r10 >> 31
        r10 = r10 << 1 | r9 >> 31
        r9 = r9 << 1 | r8 >> 31
        r8 = r8 << 1 | r7 >> 31
        r7 = r7 << 1 | r6 >> 31
        r6 = r6 << 1 | r5 >> 31
        r5 = r5 << 1 | r4 >> 31
        r4 = r4 << 1 | r3 >> 31
        r3 = r3 << 1 | r2 >> 31
        r2 = r2 << 1 | r1 >> 31
        r1 = r1 << 1
        k = 0
        let r0 = F.mulAdd(a0, a0, 0, &k); r1 = F.addWord(r1, &k)
        r2 = F.mulAdd(a1, a1, r2, &k); r3 = F.addWord(r3, &k)
        r4 = F.mulAdd(a2, a2, r4, &k); r5 = F.addWord(r5, &k)
        r6 = F.mulAdd(a3, a3, r6, &k); r7 = F.addWord(r7, &k)
        r8 = F.mulAdd(a4, a4, r8, &k); r9 = F.addWord(r9, &k)
        r10 = F.mulAdd(a5, a5, r10, &k); r11 = F.addWord(r11, &k)
        r12 = F.mulAdd(a6, a6, r12, &k); r13 = F.addWord(r13, &k)
        r14 = F.mulAdd(a7, a7, r14, &k); r15 = F.addWord(r15, &k)
        r = F.reduce(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15)
    }

    static func * (a: P256.FieldElement, b: P256.FieldElement) -> P256.FieldElement {
        var r = P256.FieldElement.zero
        mul(&r, a, b)
        return r
    }

    var squared: P256.FieldElement {
        var r = P256.FieldElement.zero
        P256.FieldElement.sqr(&r, self)
        return r
    }

    /// r ← r·b.
    @inline(never)
    static func mul(_ r: inout P256.FieldElement, by b: P256.FieldElement) {
        let a = r
        mul(&r, a, b)
    }

    /// r ← r^(2^count).
    @inline(never)
    static func square(_ r: inout P256.FieldElement, times count: Int) {
        for _ in 0..<count {
            let a = r
            sqr(&r, a)
        }
    }

    /// A 512-bit product c15…c0 reduced modulo p by the fast reduction of FIPS 186-4 §D.2.3:
    /// T + 2·S1 + 2·S2 + S3 + S4 − D1 − D2 − D3 − D4, summed word by word.
    static func reduce(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32,
                       _ w4: UInt32, _ w5: UInt32, _ w6: UInt32, _ w7: UInt32,
                       _ w8: UInt32, _ w9: UInt32, _ w10: UInt32, _ w11: UInt32,
                       _ w12: UInt32, _ w13: UInt32, _ w14: UInt32, _ w15: UInt32) -> P256.FieldElement {
        let c0 = widenSigned(w0), c1 = widenSigned(w1), c2 = widenSigned(w2), c3 = widenSigned(w3)
        let c4 = widenSigned(w4), c5 = widenSigned(w5), c6 = widenSigned(w6), c7 = widenSigned(w7)
        let c8 = widenSigned(w8), c9 = widenSigned(w9), c10 = widenSigned(w10), c11 = widenSigned(w11)
        let c12 = widenSigned(w12), c13 = widenSigned(w13), c14 = widenSigned(w14), c15 = widenSigned(w15)

        var acc: Int64 = c0 + c8 + c9 - c11 - c12 - c13 - c14
        let s0 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c1 + c9 + c10 - c12 - c13 - c14 - c15
        let s1 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c2 + c10 + c11 - c13 - c14 - c15
        let s2 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c3 + 2 * (c11 + c12) + c13 - c15 - c8 - c9
        let s3 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c4 + 2 * (c12 + c13) + c14 - c9 - c10
        let s4 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c5 + 2 * (c13 + c14) + c15 - c10 - c11
        let s5 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c6 + 2 * (c14 + c15) + c14 + c13 - c8 - c9
        let s6 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += c7 + 2 * c15 + c15 + c8 - c10 - c11 - c12 - c13
        let s7 = UInt32(truncatingIfNeeded: acc); acc >>= 32

        // The value is s + top·2^256 with |top| ≤ 4. Two folds of top·2^256 ≡
        // top·(2^224 − 2^192 − 2^96 + 1) bring it into [0, 2^256); a conditional
        // subtraction of p finishes.
        var s = P256.FieldElement(s0, s1, s2, s3, s4, s5, s6, s7)
        let top = s.fold(acc)
        s.fold(top)
        var borrow: UInt32 = 0
        let reduced = s.subtractingPrime(borrow: &borrow)
        return select(constantTimeMask(borrow), s, reduced)
    }

    /// self += top·(2^224 − 2^192 − 2^96 + 1); returns the signed carry out of 2^256.
    @discardableResult
    mutating func fold(_ top: Int64) -> Int64 {
        var acc: Int64 = widenSigned(l0) + top
        l0 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l1)
        l1 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l2)
        l2 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l3) - top
        l3 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l4)
        l4 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l5)
        l5 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l6) - top
        l6 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        acc += widenSigned(l7) + top
        l7 = UInt32(truncatingIfNeeded: acc); acc >>= 32
        return acc
    }
}

// MARK: - Exponentiation

extension P256.FieldElement {
    /// a^(2^k − 1) for k = 2, 4, 8, 16, 32: the blocks of ones that p − 2 and (p + 1)/4
    /// are made of. Returns x32 and leaves x2…x16 in the arguments.
    static func onesPowers(_ a: P256.FieldElement, _ x2: inout P256.FieldElement,
                           _ x4: inout P256.FieldElement, _ x8: inout P256.FieldElement,
                           _ x16: inout P256.FieldElement, _ x32: inout P256.FieldElement) {
        sqr(&x2, a); mul(&x2, by: a)                            // 2^2 − 1
        x4 = x2; square(&x4, times: 2); mul(&x4, by: x2)        // 2^4 − 1
        x8 = x4; square(&x8, times: 4); mul(&x8, by: x4)
        x16 = x8; square(&x16, times: 8); mul(&x16, by: x8)
        x32 = x16; square(&x32, times: 16); mul(&x32, by: x16)
    }

    /// a^(p−2) = a^−1 (Fermat), zero for zero. A fixed addition chain:
    /// p − 2 = 0xFFFFFFFF 00000001 00000000 00000000 00000000 FFFFFFFF FFFFFFFF FFFFFFFD.
    static func invert(_ r: inout P256.FieldElement, _ a: P256.FieldElement) {
        var x2 = zero, x4 = zero, x8 = zero, x16 = zero, x32 = zero
        onesPowers(a, &x2, &x4, &x8, &x16, &x32)
        r = x32
        square(&r, times: 32); mul(&r, by: a)                    // FFFFFFFF 00000001
        square(&r, times: 128); mul(&r, by: x32)                 // 00000000 ×3, FFFFFFFF
        square(&r, times: 32); mul(&r, by: x32)                  // FFFFFFFF
        square(&r, times: 16); mul(&r, by: x16)                  // FFFFFFFD from the top:
        square(&r, times: 8); mul(&r, by: x8)                    // 16 + 8 + 4 + 2 ones, 0, 1
        square(&r, times: 4); mul(&r, by: x4)
        square(&r, times: 2); mul(&r, by: x2)
        square(&r, times: 2); mul(&r, by: a)
        x2.wipe(); x4.wipe(); x8.wipe(); x16.wipe(); x32.wipe()
    }

    /// A square root of a, a^((p+1)/4), valid because p ≡ 3 (mod 4) (SEC 1 §2.3.4 step
    /// 2.4.1; the caller checks that its square is a). (p+1)/4 = 2^254 − 2^222 + 2^190 + 2^94.
    static func squareRootCandidate(_ r: inout P256.FieldElement, _ a: P256.FieldElement) {
        var x2 = zero, x4 = zero, x8 = zero, x16 = zero
        onesPowers(a, &x2, &x4, &x8, &x16, &r)              // bits 253…222 once shifted
        square(&r, times: 32); mul(&r, by: a)                    // bit 190
        square(&r, times: 96); mul(&r, by: a)                    // bit 94
        square(&r, times: 94)
    }
}

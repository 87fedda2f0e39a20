// Arithmetic in GF(p), p = 2^255 − 19, the field of Curve25519 (RFC 7748 §4.1).
//
// An element is eight 32-bit limbs, little-endian: value = Σ l_i · 2^(32·i). Any value in
// [0, 2^256) is a valid representation. Every operation returns a value in [0, 2^256)
// congruent mod p to the exact result, folding carries out of bit 256 with 2^256 ≡ 38
// (mod p); only `encoded()` produces the canonical value below p (RFC 7748 §5).
//
// The operations work on slots: addresses of elements in a workspace the caller owns
// (`withSlots`), as in P256Field.swift. Passed by value, each operand was copied into a
// stack slot of its own at every call (an 844-byte ladder frame at -O); passed by address,
// the ladder and the inversion run in one fixed block of seven elements. A result slot may be
// an operand slot: every operation reads all its operands before it writes the result.
//
// Constant time: no branch and no memory index depends on a limb.

/// (carry, r) ← a·b + r + carry. Never overflows: (2^32 − 1)^2 + 2·(2^32 − 1) = 2^64 − 1.
/// One UMAAL on Armv7E-M; a call of `__aeabi_lmul` on Armv6-M.
@inline(__always)
private func mulAdd(_ r: inout UInt32, _ carry: inout UInt32, _ a: UInt32, _ b: UInt32) {
    let t = widen(a) &* widen(b) &+ widen(r) &+ widen(carry)
    r = UInt32(truncatingIfNeeded: t)
    carry = UInt32(truncatingIfNeeded: t &>> 32)
}

/// (carry, r) ← r + b + carry, for a carry of 0 or 1.
@inline(__always)
private func addCarry(_ r: inout UInt32, _ carry: inout UInt32, _ b: UInt32) {
    let t = widen(r) &+ widen(b) &+ widen(carry)
    r = UInt32(truncatingIfNeeded: t)
    carry = UInt32(truncatingIfNeeded: t &>> 32)
}

/// (borrow, r) ← r − b − borrow, for a borrow of 0 or 1.
@inline(__always)
private func subtractBorrow(_ r: inout UInt32, _ borrow: inout UInt32, _ b: UInt32) {
    let t = widen(r) &- widen(b) &- widen(borrow)
    r = UInt32(truncatingIfNeeded: t)
    borrow = UInt32(truncatingIfNeeded: t &>> 63)
}

/// Exchanges `a` and `b` when `mask` is all ones; leaves both when it is zero.
@inline(__always)
private func maskedSwap(_ a: inout UInt32, _ b: inout UInt32, _ mask: UInt32) {
    let difference = mask & (a ^ b)
    a ^= difference
    b ^= difference
}

extension X25519 {
    /// An element of GF(2^255 − 19); see the top of this file.
    struct FieldElement {
        var l0, l1, l2, l3, l4, l5, l6, l7: UInt32

        /// 2^256 mod p: the worth of a carry out of limb 7.
        static var wrap: UInt32 { 38 }

        static var zero: FieldElement { FieldElement(0) }
        static var one: FieldElement { FieldElement(1) }

        init(l0: UInt32, l1: UInt32, l2: UInt32, l3: UInt32, l4: UInt32, l5: UInt32, l6: UInt32, l7: UInt32) {
            (self.l0, self.l1, self.l2, self.l3) = (l0, l1, l2, l3)
            (self.l4, self.l5, self.l6, self.l7) = (l4, l5, l6, l7)
        }

        /// A value below 2^32.
        init(_ value: UInt32) {
            (l0, l1, l2, l3, l4, l5, l6, l7) = (value, 0, 0, 0, 0, 0, 0, 0)
        }

        /// decodeUCoordinate (RFC 7748 §5): little-endian with bit 255 masked. Values in
        /// [p, 2^255) are kept as they are: X25519 must accept them (§5).
        init(decodingUCoordinate bytes: Bytes32) {
            (l0, l1) = (FieldElement.load(bytes, 0), FieldElement.load(bytes, 1))
            (l2, l3) = (FieldElement.load(bytes, 2), FieldElement.load(bytes, 3))
            (l4, l5) = (FieldElement.load(bytes, 4), FieldElement.load(bytes, 5))
            (l6, l7) = (FieldElement.load(bytes, 6), FieldElement.load(bytes, 7) & 0x7FFF_FFFF)
        }

        /// Little-endian word `i` of `bytes`.
        @inline(__always)
        private static func load(_ bytes: Bytes32, _ i: Int) -> UInt32 {
            UInt32(bytes[4 &* i]) | UInt32(bytes[4 &* i &+ 1]) &<< 8
                | UInt32(bytes[4 &* i &+ 2]) &<< 16 | UInt32(bytes[4 &* i &+ 3]) &<< 24
        }

        /// Stores `word` little-endian as word `i` of `bytes`.
        @inline(__always)
        private static func store(_ word: UInt32, _ bytes: inout Bytes32, _ i: Int) {
            bytes[4 &* i] = UInt8(truncatingIfNeeded: word)
            bytes[4 &* i &+ 1] = UInt8(truncatingIfNeeded: word &>> 8)
            bytes[4 &* i &+ 2] = UInt8(truncatingIfNeeded: word &>> 16)
            bytes[4 &* i &+ 3] = UInt8(truncatingIfNeeded: word &>> 24)
        }

        /// encodeUCoordinate (RFC 7748 §5): the canonical value below p, little-endian.
        func encoded() -> Bytes32 {
            // 2^255 ≡ 19: folding bit 255 leaves x < 2^255 + 19, below 2p.
            var x = self
            x.l7 &= 0x7FFF_FFFF
            _ = x.add(small: 19 &* (l7 &>> 31))
            // x ≥ p exactly when x + 19 ≥ 2^255, and then x − p = x + 19 − 2^255.
            var y = x
            _ = y.add(small: 19)
            let xIsAtLeastP = 0 &- (y.l7 &>> 31)
            y.l7 &= 0x7FFF_FFFF
            FieldElement.conditionalSwap(&x, &y, mask: xIsAtLeastP)
            var out = Bytes32.zero
            FieldElement.store(x.l0, &out, 0); FieldElement.store(x.l1, &out, 1)
            FieldElement.store(x.l2, &out, 2); FieldElement.store(x.l3, &out, 3)
            FieldElement.store(x.l4, &out, 4); FieldElement.store(x.l5, &out, 5)
            FieldElement.store(x.l6, &out, 6); FieldElement.store(x.l7, &out, 7)
            x.wipe()
            y.wipe()
            return out
        }

        /// cswap (RFC 7748 §5): exchanges `a` and `b` when `mask` is all ones, leaves them when
        /// it is zero, with the same operations either way.
        static func conditionalSwap(_ a: inout FieldElement, _ b: inout FieldElement, mask: UInt32) {
            maskedSwap(&a.l0, &b.l0, mask); maskedSwap(&a.l1, &b.l1, mask)
            maskedSwap(&a.l2, &b.l2, mask); maskedSwap(&a.l3, &b.l3, mask)
            maskedSwap(&a.l4, &b.l4, mask); maskedSwap(&a.l5, &b.l5, mask)
            maskedSwap(&a.l6, &b.l6, mask); maskedSwap(&a.l7, &b.l7, mask)
        }

        /// Adds `v` at limb 0 through all limbs; returns the carry out of limb 7 (0 or 1).
        @inline(__always)
        private mutating func add(small v: UInt32) -> UInt32 {
            var c: UInt32 = 0
            addCarry(&l0, &c, v); addCarry(&l1, &c, 0); addCarry(&l2, &c, 0); addCarry(&l3, &c, 0)
            addCarry(&l4, &c, 0); addCarry(&l5, &c, 0); addCarry(&l6, &c, 0); addCarry(&l7, &c, 0)
            return c
        }

        /// self + carry · 2^256, brought below 2^256 as self + carry · 38; carry < 2^26.
        @inline(__always)
        private mutating func fold(carry: UInt32) {
            let again = add(small: FieldElement.wrap &* carry)
            // A second carry means the sum wrapped to below 38 · carry < 2^32 − 38: limbs 1…7
            // are zero and limb 0 takes another 38 without overflow.
            l0 &+= FieldElement.wrap &* again
        }

        /// Overwrites the limbs with zeros (see `secureZero`).
        mutating func wipe() {
            withUnsafeMutableBytes(of: &self) { secureZero($0) }
        }
    }
}

extension X25519 {
    /// The address of a field element in a workspace (see the top of this file).
    typealias Slot = UnsafeMutablePointer<FieldElement>
}

// MARK: - Operations on slots

extension X25519.FieldElement {
    typealias Slot = X25519.Slot

    /// cswap (RFC 7748 §5): exchanges the elements at `a` and `b` when `mask` is all ones,
    /// leaves them when it is zero, with the same operations either way.
    @inline(never)
    static func conditionalSwap(_ a: Slot, _ b: Slot, mask: UInt32) {
        conditionalSwap(&a.pointee, &b.pointee, mask: mask)
    }

    /// r ← a + b.
    @inline(never)
    static func add(_ r: Slot, _ a: Slot, _ b: Slot) {
        var s = a.pointee
        let y = b.pointee
        var c: UInt32 = 0
        addCarry(&s.l0, &c, y.l0); addCarry(&s.l1, &c, y.l1); addCarry(&s.l2, &c, y.l2); addCarry(&s.l3, &c, y.l3)
        addCarry(&s.l4, &c, y.l4); addCarry(&s.l5, &c, y.l5); addCarry(&s.l6, &c, y.l6); addCarry(&s.l7, &c, y.l7)
        s.fold(carry: c)
        r.pointee = s
    }

    /// r ← a − b.
    @inline(never)
    static func sub(_ r: Slot, _ a: Slot, _ b: Slot) {
        var d = a.pointee
        let y = b.pointee
        var borrow: UInt32 = 0
        subtractBorrow(&d.l0, &borrow, y.l0); subtractBorrow(&d.l1, &borrow, y.l1)
        subtractBorrow(&d.l2, &borrow, y.l2); subtractBorrow(&d.l3, &borrow, y.l3)
        subtractBorrow(&d.l4, &borrow, y.l4); subtractBorrow(&d.l5, &borrow, y.l5)
        subtractBorrow(&d.l6, &borrow, y.l6); subtractBorrow(&d.l7, &borrow, y.l7)
        // A borrow added 2^256 ≡ 38: take 38 back off.
        var again: UInt32 = 0
        subtractBorrow(&d.l0, &again, wrap &* borrow); subtractBorrow(&d.l1, &again, 0)
        subtractBorrow(&d.l2, &again, 0); subtractBorrow(&d.l3, &again, 0)
        subtractBorrow(&d.l4, &again, 0); subtractBorrow(&d.l5, &again, 0)
        subtractBorrow(&d.l6, &again, 0); subtractBorrow(&d.l7, &again, 0)
        // A second borrow leaves d ≥ 2^256 − 38, so limb 0 ≥ 2^32 − 38 takes 38 off without
        // borrowing.
        d.l0 &-= wrap &* again
        r.pointee = d
    }

    /// lo + 2^256 · hi, brought below 2^256 as lo + 38 · hi.
    @inline(__always)
    private static func reduce(lo: X25519.FieldElement, hi: X25519.FieldElement) -> X25519.FieldElement {
        var r = lo
        var c: UInt32 = 0
        mulAdd(&r.l0, &c, hi.l0, wrap); mulAdd(&r.l1, &c, hi.l1, wrap)
        mulAdd(&r.l2, &c, hi.l2, wrap); mulAdd(&r.l3, &c, hi.l3, wrap)
        mulAdd(&r.l4, &c, hi.l4, wrap); mulAdd(&r.l5, &c, hi.l5, wrap)
        mulAdd(&r.l6, &c, hi.l6, wrap); mulAdd(&r.l7, &c, hi.l7, wrap)
        // lo + 38 · hi < 39 · 2^256, so c ≤ 38.
        r.fold(carry: c)
        return r
    }

    /// r ← a · b, schoolbook, row by row: row i adds a_i · b into the 512-bit product.
    @inline(never)
    static func mul(_ r: Slot, _ a: Slot, _ b: Slot) {
        let a = a.pointee, b = b.pointee
        var r0: UInt32 = 0, r1: UInt32 = 0, r2: UInt32 = 0, r3: UInt32 = 0
        var r4: UInt32 = 0, r5: UInt32 = 0, r6: UInt32 = 0, r7: UInt32 = 0
        var r8: UInt32 = 0, r9: UInt32 = 0, r10: UInt32 = 0, r11: UInt32 = 0
        var r12: UInt32 = 0, r13: UInt32 = 0, r14: UInt32 = 0, r15: UInt32 = 0
        var c: UInt32 = 0
        mulAdd(&r0, &c, a.l0, b.l0); mulAdd(&r1, &c, a.l0, b.l1); mulAdd(&r2, &c, a.l0, b.l2); mulAdd(&r3, &c, a.l0, b.l3)
        mulAdd(&r4, &c, a.l0, b.l4); mulAdd(&r5, &c, a.l0, b.l5); mulAdd(&r6, &c, a.l0, b.l6); mulAdd(&r7, &c, a.l0, b.l7); r8 = c
        c = 0; mulAdd(&r1, &c, a.l1, b.l0); mulAdd(&r2, &c, a.l1, b.l1); mulAdd(&r3, &c, a.l1, b.l2); mulAdd(&r4, &c, a.l1, b.l3)
        mulAdd(&r5, &c, a.l1, b.l4); mulAdd(&r6, &c, a.l1, b.l5); mulAdd(&r7, &c, a.l1, b.l6); mulAdd(&r8, &c, a.l1, b.l7); r9 = c
        c = 0; mulAdd(&r2, &c, a.l2, b.l0); mulAdd(&r3, &c, a.l2, b.l1); mulAdd(&r4, &c, a.l2, b.l2); mulAdd(&r5, &c, a.l2, b.l3)
        mulAdd(&r6, &c, a.l2, b.l4); mulAdd(&r7, &c, a.l2, b.l5); mulAdd(&r8, &c, a.l2, b.l6); mulAdd(&r9, &c, a.l2, b.l7); r10 = c
        c = 0; mulAdd(&r3, &c, a.l3, b.l0); mulAdd(&r4, &c, a.l3, b.l1); mulAdd(&r5, &c, a.l3, b.l2); mulAdd(&r6, &c, a.l3, b.l3)
        mulAdd(&r7, &c, a.l3, b.l4); mulAdd(&r8, &c, a.l3, b.l5); mulAdd(&r9, &c, a.l3, b.l6); mulAdd(&r10, &c, a.l3, b.l7); r11 = c
        c = 0; mulAdd(&r4, &c, a.l4, b.l0); mulAdd(&r5, &c, a.l4, b.l1); mulAdd(&r6, &c, a.l4, b.l2); mulAdd(&r7, &c, a.l4, b.l3)
        mulAdd(&r8, &c, a.l4, b.l4); mulAdd(&r9, &c, a.l4, b.l5); mulAdd(&r10, &c, a.l4, b.l6); mulAdd(&r11, &c, a.l4, b.l7); r12 = c
        c = 0; mulAdd(&r5, &c, a.l5, b.l0); mulAdd(&r6, &c, a.l5, b.l1); mulAdd(&r7, &c, a.l5, b.l2); mulAdd(&r8, &c, a.l5, b.l3)
        mulAdd(&r9, &c, a.l5, b.l4); mulAdd(&r10, &c, a.l5, b.l5); mulAdd(&r11, &c, a.l5, b.l6); mulAdd(&r12, &c, a.l5, b.l7); r13 = c
        c = 0; mulAdd(&r6, &c, a.l6, b.l0); mulAdd(&r7, &c, a.l6, b.l1); mulAdd(&r8, &c, a.l6, b.l2); mulAdd(&r9, &c, a.l6, b.l3)
        mulAdd(&r10, &c, a.l6, b.l4); mulAdd(&r11, &c, a.l6, b.l5); mulAdd(&r12, &c, a.l6, b.l6); mulAdd(&r13, &c, a.l6, b.l7); r14 = c
        c = 0; mulAdd(&r7, &c, a.l7, b.l0); mulAdd(&r8, &c, a.l7, b.l1); mulAdd(&r9, &c, a.l7, b.l2); mulAdd(&r10, &c, a.l7, b.l3)
        mulAdd(&r11, &c, a.l7, b.l4); mulAdd(&r12, &c, a.l7, b.l5); mulAdd(&r13, &c, a.l7, b.l6); mulAdd(&r14, &c, a.l7, b.l7); r15 = c
        r.pointee = reduce(lo: X25519.FieldElement(l0: r0, l1: r1, l2: r2, l3: r3, l4: r4, l5: r5, l6: r6, l7: r7),
                           hi: X25519.FieldElement(l0: r8, l1: r9, l2: r10, l3: r11, l4: r12, l5: r13, l6: r14, l7: r15))
    }

    /// r ← a², from the 28 cross products a_i · a_j (i < j), doubled, plus the eight squares
    /// a_i².
    @inline(never)
    static func square(_ r: Slot, _ a: Slot) {
        let a = a.pointee
        var r0: UInt32 = 0, r1: UInt32 = 0, r2: UInt32 = 0, r3: UInt32 = 0
        var r4: UInt32 = 0, r5: UInt32 = 0, r6: UInt32 = 0, r7: UInt32 = 0
        var r8: UInt32 = 0, r9: UInt32 = 0, r10: UInt32 = 0, r11: UInt32 = 0
        var r12: UInt32 = 0, r13: UInt32 = 0, r14: UInt32 = 0, r15: UInt32 = 0
        var c: UInt32 = 0
        mulAdd(&r1, &c, a.l0, a.l1); mulAdd(&r2, &c, a.l0, a.l2); mulAdd(&r3, &c, a.l0, a.l3); mulAdd(&r4, &c, a.l0, a.l4)
        mulAdd(&r5, &c, a.l0, a.l5); mulAdd(&r6, &c, a.l0, a.l6); mulAdd(&r7, &c, a.l0, a.l7); r8 = c
        c = 0; mulAdd(&r3, &c, a.l1, a.l2); mulAdd(&r4, &c, a.l1, a.l3); mulAdd(&r5, &c, a.l1, a.l4); mulAdd(&r6, &c, a.l1, a.l5)
        mulAdd(&r7, &c, a.l1, a.l6); mulAdd(&r8, &c, a.l1, a.l7); r9 = c
        c = 0; mulAdd(&r5, &c, a.l2, a.l3); mulAdd(&r6, &c, a.l2, a.l4); mulAdd(&r7, &c, a.l2, a.l5); mulAdd(&r8, &c, a.l2, a.l6)
        mulAdd(&r9, &c, a.l2, a.l7); r10 = c
        c = 0; mulAdd(&r7, &c, a.l3, a.l4); mulAdd(&r8, &c, a.l3, a.l5); mulAdd(&r9, &c, a.l3, a.l6); mulAdd(&r10, &c, a.l3, a.l7); r11 = c
        c = 0; mulAdd(&r9, &c, a.l4, a.l5); mulAdd(&r10, &c, a.l4, a.l6); mulAdd(&r11, &c, a.l4, a.l7); r12 = c
        c = 0; mulAdd(&r11, &c, a.l5, a.l6); mulAdd(&r12, &c, a.l5, a.l7); r13 = c
        c = 0; mulAdd(&r13, &c, a.l6, a.l7); r14 = c
        // Twice the cross products stays below 2^512 (it is at most a² − Σ a_i²).
        r15 = r14 &>> 31
        r14 = r14 &<< 1 | r13 &>> 31; r13 = r13 &<< 1 | r12 &>> 31; r12 = r12 &<< 1 | r11 &>> 31
        r11 = r11 &<< 1 | r10 &>> 31; r10 = r10 &<< 1 | r9 &>> 31; r9 = r9 &<< 1 | r8 &>> 31
        r8 = r8 &<< 1 | r7 &>> 31; r7 = r7 &<< 1 | r6 &>> 31; r6 = r6 &<< 1 | r5 &>> 31
        r5 = r5 &<< 1 | r4 &>> 31; r4 = r4 &<< 1 | r3 &>> 31; r3 = r3 &<< 1 | r2 &>> 31
        r2 = r2 &<< 1 | r1 &>> 31; r1 = r1 &<< 1
        c = 0
        mulAdd(&r0, &c, a.l0, a.l0); addCarry(&r1, &c, 0); mulAdd(&r2, &c, a.l1, a.l1); addCarry(&r3, &c, 0)
        mulAdd(&r4, &c, a.l2, a.l2); addCarry(&r5, &c, 0); mulAdd(&r6, &c, a.l3, a.l3); addCarry(&r7, &c, 0)
        mulAdd(&r8, &c, a.l4, a.l4); addCarry(&r9, &c, 0); mulAdd(&r10, &c, a.l5, a.l5); addCarry(&r11, &c, 0)
        mulAdd(&r12, &c, a.l6, a.l6); addCarry(&r13, &c, 0); mulAdd(&r14, &c, a.l7, a.l7); addCarry(&r15, &c, 0)
        r.pointee = reduce(lo: X25519.FieldElement(l0: r0, l1: r1, l2: r2, l3: r3, l4: r4, l5: r5, l6: r6, l7: r7),
                           hi: X25519.FieldElement(l0: r8, l1: r9, l2: r10, l3: r11, l4: r12, l5: r13, l6: r14, l7: r15))
    }

    /// r ← a^(2^count), for count ≥ 1.
    static func square(_ r: Slot, _ a: Slot, times count: Int) {
        square(r, a)
        var i = 1
        while i < count {
            square(r, r)
            i &+= 1
        }
    }

    /// r ← a · k for a small constant k < 2^26 (the ladder's a24, RFC 7748 §5).
    @inline(never)
    static func mul(_ r: Slot, _ a: Slot, small k: UInt32) {
        let a = a.pointee
        var p = X25519.FieldElement.zero
        var c: UInt32 = 0
        mulAdd(&p.l0, &c, a.l0, k); mulAdd(&p.l1, &c, a.l1, k); mulAdd(&p.l2, &c, a.l2, k); mulAdd(&p.l3, &c, a.l3, k)
        mulAdd(&p.l4, &c, a.l4, k); mulAdd(&p.l5, &c, a.l5, k); mulAdd(&p.l6, &c, a.l6, k); mulAdd(&p.l7, &c, a.l7, k)
        // a · k < k · 2^256, so c < k.
        p.fold(carry: c)
        r.pointee = p
    }

    /// r ← a^(p − 2), which is a⁻¹ for a ≢ 0 and 0 for a ≡ 0 (RFC 7748 §5): the same 254
    /// squarings and 11 multiplications for every input. `scratch` is three elements; r is
    /// the fourth temporary, so it must be a slot apart from a and the scratch. Comments give
    /// exponents.
    @inline(never)
    static func invert(_ r: Slot, _ a: Slot, scratch: Slot) {
        let t0 = scratch, t1 = scratch + 1, t2 = scratch + 2
        square(t0, a)                   // 2
        square(t1, t0, times: 2)        // 8
        mul(t1, t1, a)                  // 9
        mul(t0, t0, t1)                 // 11
        square(t2, t0)                  // 22
        mul(t1, t1, t2)                 // 2^5 − 1
        square(t2, t1, times: 5)
        mul(t1, t1, t2)                 // 2^10 − 1
        square(t2, t1, times: 10)
        mul(t2, t2, t1)                 // 2^20 − 1
        square(r, t2, times: 20)
        mul(r, r, t2)                   // 2^40 − 1
        square(r, r, times: 10)
        mul(t1, t1, r)                  // 2^50 − 1
        square(t2, t1, times: 50)
        mul(t2, t2, t1)                 // 2^100 − 1
        square(r, t2, times: 100)
        mul(r, r, t2)                   // 2^200 − 1
        square(r, r, times: 50)
        mul(r, r, t1)                   // 2^250 − 1
        square(r, r, times: 5)
        mul(r, r, t0)                   // 2^255 − 32 + 11 = p − 2
    }
}

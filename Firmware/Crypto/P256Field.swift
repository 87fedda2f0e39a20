// Arithmetic modulo the P-256 prime p = 2^256 − 2^224 + 2^192 + 2^96 − 1 (SP 800-186 §3.2.1.3).
// Every operation runs the same instructions whatever the values: no branch and no memory
// index depends on an operand. Limbs are stored properties and the products are written
// out limb by limb: Swift copies an InlineArray on every indexed access in these loops.
//
// The operations work on slots: addresses of elements in a workspace the caller owns
// (`withSlots`). Passed by value, an element is 32 bytes of arguments on every call and a
// stack slot for every temporary; passed by address, it is one register, and a whole scalar
// multiplication runs in one fixed block of memory. A result slot may be an operand slot:
// every operation reads all its operands before it writes the result.

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

    /// The address of a field element in a workspace (see the top of this file).
    typealias Slot = UnsafeMutablePointer<FieldElement>
}

// MARK: - Word arithmetic

extension P256.FieldElement {
    /// Limbs in an element.
    static var limbs: Int { 8 }

    /// Limb i of the element at a slot.
    @inline(__always)
    static func limb(_ a: P256.Slot, _ i: Int) -> UInt32 {
        UnsafeRawPointer(a).load(fromByteOffset: 4 &* i, as: UInt32.self)
    }

    @inline(__always)
    static func setLimb(_ a: P256.Slot, _ i: Int, _ value: UInt32) {
        UnsafeMutableRawPointer(a).storeBytes(of: value, toByteOffset: 4 &* i, as: UInt32.self)
    }

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

    /// (r[0], r[1]) ← the coordinates of a validated public key. Out of line, so that its
    /// temporaries do not sit in the caller's frame.
    @inline(never)
    static func load(_ r: P256.Slot, _ key: P256.PublicKey) {
        r[0] = P256.FieldElement(unreduced: key.x)
        r[1] = P256.FieldElement(unreduced: key.y)
    }

    /// r ← the element of a 32-byte big-endian string, or false when the string is not
    /// below p (SEC 1 §2.3.6). Public inputs. Out of line, as the other `load`.
    @inline(never)
    static func load(_ r: P256.Slot, bigEndian bytes: Bytes32) -> Bool {
        guard let element = P256.FieldElement(bigEndian: bytes) else { return false }
        r.pointee = element
        return true
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

    /// Whether two slots hold the same element (both are fully reduced). For public values.
    static func isEqual(_ a: P256.Slot, _ b: P256.Slot) -> Bool {
        let x = a.pointee, y = b.pointee
        let difference = (x.l0 ^ y.l0) | (x.l1 ^ y.l1) | (x.l2 ^ y.l2) | (x.l3 ^ y.l3)
            | (x.l4 ^ y.l4) | (x.l5 ^ y.l5) | (x.l6 ^ y.l6) | (x.l7 ^ y.l7)
        return difference == 0
    }
}

// MARK: - Addition and subtraction

extension P256.FieldElement {
    /// r ← a + b.
    @inline(never)
    static func add(_ r: P256.Slot, _ a: P256.Slot, _ b: P256.Slot) {
        let x = a.pointee, y = b.pointee
        var carry: UInt32 = 0
        let sum = P256.FieldElement(
            addCarry(x.l0, y.l0, &carry), addCarry(x.l1, y.l1, &carry),
            addCarry(x.l2, y.l2, &carry), addCarry(x.l3, y.l3, &carry),
            addCarry(x.l4, y.l4, &carry), addCarry(x.l5, y.l5, &carry),
            addCarry(x.l6, y.l6, &carry), addCarry(x.l7, y.l7, &carry))
        // a + b < 2p: subtract p unless the sum (with its carry out) is below p.
        var borrow: UInt32 = 0
        let reduced = sum.subtractingPrime(borrow: &borrow)
        r.pointee = select(constantTimeMask(borrow & (carry ^ 1)), sum, reduced)
    }

    /// r ← a − b.
    @inline(never)
    static func sub(_ r: P256.Slot, _ a: P256.Slot, _ b: P256.Slot) {
        r.pointee = difference(a.pointee, b.pointee)
    }

    /// r ← −a.
    @inline(never)
    static func negate(_ r: P256.Slot, _ a: P256.Slot) {
        r.pointee = difference(.zero, a.pointee)
    }

    /// a − b mod p for a, b in [0, p).
    @inline(__always)
    static func difference(_ a: P256.FieldElement, _ b: P256.FieldElement) -> P256.FieldElement {
        var borrow: UInt32 = 0
        let d0 = subBorrow(a.l0, b.l0, &borrow), d1 = subBorrow(a.l1, b.l1, &borrow)
        let d2 = subBorrow(a.l2, b.l2, &borrow), d3 = subBorrow(a.l3, b.l3, &borrow)
        let d4 = subBorrow(a.l4, b.l4, &borrow), d5 = subBorrow(a.l5, b.l5, &borrow)
        let d6 = subBorrow(a.l6, b.l6, &borrow), d7 = subBorrow(a.l7, b.l7, &borrow)
        // On a borrow the words hold a − b + 2^256; adding p (mod 2^256) gives a − b + p.
        let m = constantTimeMask(borrow)
        var carry: UInt32 = 0
        return P256.FieldElement(
            addCarry(d0, m, &carry), addCarry(d1, m, &carry), addCarry(d2, m, &carry),
            addCarry(d3, 0, &carry), addCarry(d4, 0, &carry), addCarry(d5, 0, &carry),
            addCarry(d6, m & 1, &carry), addCarry(d7, m, &carry))
    }
}

// MARK: - Multiplication

extension P256.FieldElement {
    typealias FieldElement = P256.FieldElement
    /// A 512-bit product as 16 words, least significant first, on the stack of `mul` or
    /// `sqr`; read and written as raw memory (`word`, `setWord`).
    typealias Wide = UnsafeMutableRawPointer

    /// Storage for a `Wide` product.
    typealias WideStorage = (FieldElement, FieldElement)

    /// Word i of a wide product.
    @inline(__always)
    static func word(_ w: Wide, _ i: Int) -> UInt32 {
        w.load(fromByteOffset: 4 &* i, as: UInt32.self)
    }

    @inline(__always)
    static func setWord(_ w: Wide, _ i: Int, _ value: UInt32) {
        w.storeBytes(of: value, toByteOffset: 4 &* i, as: UInt32.self)
    }


    // The product and the reduction are never-inlined functions that take the wide
    // buffer as a parameter: the compiler cannot then tell it from r, a and b, loads each
    // limb and word where it is used instead of keeping all of them in registers, and the
    // frames stay small on a Cortex-M0 (eight low registers, a call per 32×32-bit product)
    // as well as on a Cortex-M4.

    /// r ← a·b.
    @inline(never)
    static func mul(_ r: P256.Slot, _ a: P256.Slot, _ b: P256.Slot) {
        var wide: WideStorage = (.zero, .zero)
        withUnsafeMutableBytes(of: &wide) { raw in
            let w = raw.baseAddress.unsafelyUnwrapped
            product(w, a, b)
            reduce(r, w)
        }
    }

    /// r ← a². A multiplication: with the window of `product` in registers, a separate
    /// squaring (28 products instead of 64, then a doubling pass) saves little and needs a
    /// second routine.
    @inline(__always)
    static func sqr(_ r: P256.Slot, _ a: P256.Slot) {
        mul(r, a, a)
    }

    /// r ← r^(2^count).
    static func square(_ r: P256.Slot, times count: Int) {
        for _ in 0..<count { sqr(r, r) }
    }

    /// w ← a·b, operand scanning: row i adds a[i]·b into w[i…i+8]
    /// (w[i+j] + a[i]·b[j] + k < 2^64). The words of w and the limbs of b are loaded where
    /// they are used: only a[i], the carry and the addresses stay in registers.
    @inline(never)
    static func product(_ w: Wide, _ a: P256.Slot, _ b: P256.Slot) {
        var k: UInt32 = 0
        let a0 = limb(a, 0)
        for j in 0..<limbs { setWord(w, j, mulAdd(a0, limb(b, j), 0, &k)) }
        setWord(w, limbs, k)
        for i in 1..<limbs {
            let ai = limb(a, i)
            k = 0
            for j in 0..<limbs { setWord(w, i + j, mulAdd(ai, limb(b, j), word(w, i + j), &k)) }
            setWord(w, i + limbs, k)
        }
    }

    /// r ← the 512-bit w modulo p, by the fast reduction of FIPS 186-4 §D.2.3:
    /// T + 2·S1 + 2·S2 + S3 + S4 − D1 − D2 − D3 − D4, summed word by word. Each word of r
    /// is stored as soon as it is known; each word of w is loaded where it is used.
    @inline(never)
    static func reduce(_ r: P256.Slot, _ w: Wide) {
        func c(_ i: Int) -> Int64 { widenSigned(word(w, i)) }
        let out = UnsafeMutableRawPointer(r)
        func store(_ i: Int, _ acc: inout Int64) {
            out.storeBytes(of: UInt32(truncatingIfNeeded: acc), toByteOffset: 4 &* i, as: UInt32.self)
            acc >>= 32
        }
        var acc: Int64 = c(0) + c(8) + c(9) - c(11) - c(12) - c(13) - c(14)
        store(0, &acc)
        acc += c(1) + c(9) + c(10) - c(12) - c(13) - c(14) - c(15)
        store(1, &acc)
        acc += c(2) + c(10) + c(11) - c(13) - c(14) - c(15)
        store(2, &acc)
        acc += c(3) + 2 * (c(11) + c(12)) + c(13) - c(15) - c(8) - c(9)
        store(3, &acc)
        acc += c(4) + 2 * (c(12) + c(13)) + c(14) - c(9) - c(10)
        store(4, &acc)
        acc += c(5) + 2 * (c(13) + c(14)) + c(15) - c(10) - c(11)
        store(5, &acc)
        acc += c(6) + 2 * (c(14) + c(15)) + c(14) + c(13) - c(8) - c(9)
        store(6, &acc)
        acc += c(7) + 2 * c(15) + c(15) + c(8) - c(10) - c(11) - c(12) - c(13)
        store(7, &acc)

        // The value is r + top·2^256 with |top| ≤ 4. Two folds of top·2^256 ≡
        // top·(2^224 − 2^192 − 2^96 + 1) bring it into [0, 2^256) ⊂ [0, 2p); a conditional
        // subtraction of p finishes.
        let top = r.pointee.fold(acc)
        r.pointee.fold(top)
        r.pointee.subtractPrimeIfNotBelow()
    }

    /// self += top·(2^224 − 2^192 − 2^96 + 1); returns the signed carry out of 2^256.
    @inline(__always)
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

    /// self ← self − p when self ≥ p, for self below 2p. Two passes over the limbs, the
    /// first only for the borrow, so that no limb is held while the other is computed.
    @inline(__always)
    mutating func subtractPrimeIfNotBelow() {
        var borrow: UInt32 = 0
        _ = subtractingPrime(borrow: &borrow)
        let m = constantTimeMask(borrow ^ 1)
        borrow = 0
        l0 = Self.subBorrow(l0, m, &borrow); l1 = Self.subBorrow(l1, m, &borrow)
        l2 = Self.subBorrow(l2, m, &borrow); l3 = Self.subBorrow(l3, 0, &borrow)
        l4 = Self.subBorrow(l4, 0, &borrow); l5 = Self.subBorrow(l5, 0, &borrow)
        l6 = Self.subBorrow(l6, m & 1, &borrow); l7 = Self.subBorrow(l7, m, &borrow)
    }
}

// MARK: - Exponentiation

extension P256.FieldElement {
    /// Scratch slots `invert` and `squareRootCandidate` need.
    static var exponentiationSlots: Int { 5 }

    /// a^(2^k − 1) for k = 2, 4, 8, 16 into x[0…3] and for k = 32 into x32: the blocks of
    /// ones that p − 2 and (p + 1)/4 are made of.
    static func onesPowers(_ a: P256.Slot, _ x: P256.Slot, _ x32: P256.Slot) {
        let x2 = x, x4 = x + 1, x8 = x + 2, x16 = x + 3
        sqr(x2, a); mul(x2, x2, a)                                          // 2^2 − 1
        x4.pointee = x2.pointee; square(x4, times: 2); mul(x4, x4, x2)      // 2^4 − 1
        x8.pointee = x4.pointee; square(x8, times: 4); mul(x8, x8, x4)
        x16.pointee = x8.pointee; square(x16, times: 8); mul(x16, x16, x8)
        x32.pointee = x16.pointee; square(x32, times: 16); mul(x32, x32, x16)
    }

    /// r ← a^(p−2) = a^−1 (Fermat), zero for zero, with `exponentiationSlots` scratch slots
    /// at x; r is not a. A fixed addition chain:
    /// p − 2 = 0xFFFFFFFF 00000001 00000000 00000000 00000000 FFFFFFFF FFFFFFFF FFFFFFFD.
    static func invert(_ r: P256.Slot, _ a: P256.Slot, scratch x: P256.Slot) {
        let x2 = x, x4 = x + 1, x8 = x + 2, x16 = x + 3, x32 = x + 4
        onesPowers(a, x, x32)
        r.pointee = x32.pointee
        square(r, times: 32); mul(r, r, a)                       // FFFFFFFF 00000001
        square(r, times: 128); mul(r, r, x32)                    // 00000000 ×3, FFFFFFFF
        square(r, times: 32); mul(r, r, x32)                     // FFFFFFFF
        square(r, times: 16); mul(r, r, x16)                     // FFFFFFFD from the top:
        square(r, times: 8); mul(r, r, x8)                       // 16 + 8 + 4 + 2 ones, 0, 1
        square(r, times: 4); mul(r, r, x4)
        square(r, times: 2); mul(r, r, x2)
        square(r, times: 2); mul(r, r, a)
    }

    /// r ← a square root of a, a^((p+1)/4), valid because p ≡ 3 (mod 4) (SEC 1 §2.3.4
    /// step 2.4.1; the caller checks that its square is a), with `exponentiationSlots`
    /// scratch slots at x; r is not a. (p+1)/4 = 2^254 − 2^222 + 2^190 + 2^94.
    static func squareRootCandidate(_ r: P256.Slot, _ a: P256.Slot, scratch x: P256.Slot) {
        onesPowers(a, x, r)                                      // bits 253…222 once shifted
        square(r, times: 32); mul(r, r, a)                       // bit 190
        square(r, times: 96); mul(r, r, a)                       // bit 94
        square(r, times: 94)
    }
}

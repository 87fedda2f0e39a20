// The P-256 group law in homogeneous projective coordinates (X : Y : Z), x = X/Z, y = Y/Z,
// with the complete formulas of Renes, Costello and Batina, "Complete addition formulas for
// prime order elliptic curves" (EUROCRYPT 2016), for a = −3. Complete: the same sequence of
// field operations adds any two points, equal, opposite or the identity (0 : 1 : 0), so
// nothing branches on a secret. Points live in workspace slots and are updated in place
// (see P256Field.swift); the formulas are scheduled so that a doubling needs five scratch
// slots and an addition four besides the addend's own three.

extension P256 {
    /// A point as three consecutive slots X, Y, Z.
    struct ProjectivePoint {
        let x: Slot
        @inline(__always) var y: Slot { x + 1 }
        @inline(__always) var z: Slot { x + 2 }

        @inline(__always)
        init(at x: Slot) { self.x = x }

        /// p ← p + q (RCB 2016, Algorithm 4), with four scratch slots at t. q is consumed:
        /// its slots hold the sums X2 + Z2, Y2 + Z2 and scratch. Step numbers are the
        /// paper's; the sums of q's coordinates (steps 5, 10, 15) come first. The output
        /// (X3, Y3, Z3) takes p's slots once each input coordinate is read for the last time.
        @inline(never)
        static func add(_ p: ProjectivePoint, _ q: ProjectivePoint, scratch t: Slot) {
            typealias F = FieldElement
            let t0 = t, t1 = t + 1, t2 = t + 2, t3 = t + 3
            let x2z2 = q.x, y2z2 = q.y, t4 = q.z
            F.mul(t0, p.x, q.x)                             // 1
            F.mul(t1, p.y, q.y)                             // 2
            F.mul(t2, p.z, q.z)                             // 3
            F.add(t3, q.x, q.y)                             // 5
            F.add(y2z2, q.y, q.z)                           // 10
            F.add(x2z2, q.x, q.z)                           // 15; q.z is t4 from here
            F.add(t4, p.x, p.y)                             // 4
            F.mul(t3, t4, t3)                               // 6
            F.add(t4, t0, t1)                               // 7
            F.sub(t3, t3, t4)                               // 8
            F.add(t4, p.y, p.z)                             // 9: Y1 read for the last time
            F.mul(t4, t4, y2z2)                             // 11
            F.add(p.y, t1, t2)                              // 12 (the paper's X3)
            F.sub(t4, t4, p.y)                              // 13
            F.add(p.x, p.x, p.z)                            // 14: X1, Z1 read for the last time
            F.mul(p.x, p.x, x2z2)                           // 16
            F.add(p.y, t0, t2)                              // 17
            F.sub(p.y, p.x, p.y)                            // 18
            p.z.pointee = .b
            F.mul(p.z, p.z, t2)                             // 19
            F.sub(p.x, p.y, p.z)                            // 20
            F.add(p.z, p.x, p.x)                            // 21
            F.add(p.x, p.x, p.z)                            // 22
            F.sub(p.z, t1, p.x)                             // 23
            F.add(p.x, t1, p.x)                             // 24
            x2z2.pointee = .b
            F.mul(p.y, p.y, x2z2)                           // 25
            F.add(t1, t2, t2)                               // 26
            F.add(t2, t1, t2)                               // 27
            F.sub(p.y, p.y, t2)                             // 28
            F.sub(p.y, p.y, t0)                             // 29
            F.add(t1, p.y, p.y)                             // 30
            F.add(p.y, t1, p.y)                             // 31
            F.add(t1, t0, t0)                               // 32
            F.add(t0, t1, t0)                               // 33
            F.sub(t0, t0, t2)                               // 34
            F.mul(t1, t4, p.y)                              // 35
            F.mul(t2, t0, p.y)                              // 36
            F.mul(p.y, p.x, p.z)                            // 37
            F.add(p.y, p.y, t2)                             // 38
            F.mul(p.x, t3, p.x)                             // 39
            F.sub(p.x, p.x, t1)                             // 40
            F.mul(p.z, t4, p.z)                             // 41
            F.mul(t1, t3, t0)                               // 42
            F.add(p.z, p.z, t1)                             // 43
        }

        /// p ← 2·p (RCB 2016, Algorithm 6), with five scratch slots at t. Step 28 (Y·Z) is
        /// done first, into t4, while Y and Z are still the input's.
        @inline(never)
        static func double(_ p: ProjectivePoint, scratch t: Slot) {
            typealias F = FieldElement
            let t0 = t, t1 = t + 1, t2 = t + 2, t3 = t + 3, yz = t + 4
            F.mul(yz, p.y, p.z)                             // 28
            F.sqr(t0, p.x)                                  // 1
            F.sqr(t1, p.y)                                  // 2
            F.sqr(t2, p.z)                                  // 3
            F.mul(t3, p.x, p.y)                             // 4: Y read for the last time
            F.add(t3, t3, t3)                               // 5
            F.mul(p.z, p.x, p.z)                            // 6: X, Z read for the last time
            F.add(p.z, p.z, p.z)                            // 7
            p.y.pointee = .b
            F.mul(p.y, p.y, t2)                             // 8
            F.sub(p.y, p.y, p.z)                            // 9
            F.add(p.x, p.y, p.y)                            // 10
            F.add(p.y, p.x, p.y)                            // 11
            F.sub(p.x, t1, p.y)                             // 12
            F.add(p.y, t1, p.y)                             // 13
            F.mul(p.y, p.x, p.y)                            // 14
            F.mul(p.x, p.x, t3)                             // 15
            F.add(t3, t2, t2)                               // 16
            F.add(t2, t2, t3)                               // 17: t3 free until 21
            t3.pointee = .b
            F.mul(p.z, p.z, t3)                             // 18
            F.sub(p.z, p.z, t2)                             // 19
            F.sub(p.z, p.z, t0)                             // 20
            F.add(t3, p.z, p.z)                             // 21
            F.add(p.z, p.z, t3)                             // 22
            F.add(t3, t0, t0)                               // 23
            F.add(t0, t3, t0)                               // 24
            F.sub(t0, t0, t2)                               // 25
            F.mul(t0, t0, p.z)                              // 26
            F.add(p.y, p.y, t0)                             // 27
            F.add(t0, yz, yz)                               // 29
            F.mul(p.z, t0, p.z)                             // 30
            F.sub(p.x, p.x, p.z)                            // 31
            F.mul(p.z, t0, t1)                              // 32
            F.add(p.z, p.z, p.z)                            // 33
            F.add(p.z, p.z, p.z)                            // 34
        }
    }

    /// r ← x^3 − 3x + b, with one scratch slot t; r is not x.
    static func curveRightHandSide(_ r: Slot, _ x: Slot, scratch t: Slot) {
        typealias F = FieldElement
        F.sqr(r, x)
        t.pointee = F(3, 0, 0, 0, 0, 0, 0, 0)
        F.sub(r, r, t)
        F.mul(r, r, x)
        t.pointee = F.b
        F.add(r, r, t)
    }

    /// Slots `isOnCurve` needs.
    static var curveCheckSlots: Int { 4 }

    /// Whether (s[0], s[1]) satisfies y^2 = x^3 − 3x + b (SEC 1 §3.2.2.1 step 3), with
    /// `curveCheckSlots` slots at s. Public inputs.
    static func isOnCurve(_ s: Slot) -> Bool {
        curveRightHandSide(s + 2, s, scratch: s + 3)
        FieldElement.sqr(s + 3, s + 1)
        return FieldElement.isEqual(s + 2, s + 3)
    }

    /// Slots `decompress` needs.
    static var decompressionSlots: Int { 4 + FieldElement.exponentiationSlots }

    /// s[1] ← the y with the given parity for which (s[0], y) is on the curve (SEC 1 §2.3.4
    /// step 2.4), with `decompressionSlots` slots at s; false when x^3 − 3x + b is not a
    /// square. Public inputs. Out of line, so that its temporaries do not sit in the frame
    /// of the x-only ECDH, above the whole multiplication.
    @inline(never)
    static func decompress(_ s: Slot, yIsOdd: Bool) -> Bool {
        let x = s, y = s + 1, rightHandSide = s + 2, check = s + 3
        curveRightHandSide(rightHandSide, x, scratch: check)
        FieldElement.squareRootCandidate(y, rightHandSide, scratch: s + 4)
        FieldElement.sqr(check, y)
        guard FieldElement.isEqual(check, rightHandSide) else { return false }
        if y.pointee.isOdd != yIsOdd { FieldElement.negate(y, y) }
        return true
    }
}

/// All ones when a == b, else zero. Constant time.
@inline(__always)
func p256EqualMask(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let difference = a ^ b
    return constantTimeMask(((difference | (0 &- difference)) >> 31) ^ 1)
}

/// A table of the multiples 1·Q … 4·Q of a point for the signed window of `multiply`.
protocol P256Table {
    /// q ← digit·Q for a digit given as magnitude (0…4) and sign, reading every entry under
    /// a mask: the memory accessed does not depend on the digit. One scratch slot t.
    func select(magnitude: UInt32, negative: UInt32, into q: P256.ProjectivePoint, scratch t: P256.Slot)
}

extension P256.ProjectivePoint {
    /// q ← −q when `negative` is 1, then q ← the identity (0 : 1 : 0) when the magnitude is
    /// zero; Z is taken from the slot z (which may be q.z). The last step of a table
    /// selection, with one scratch slot t. Constant time.
    static func applySign(_ q: Self, magnitude: UInt32, negative: UInt32, z: P256.Slot,
                          scratch t: P256.Slot) {
        typealias F = P256.FieldElement
        F.negate(t, q.y)
        let negativeMask = constantTimeMask(negative)
        let isIdentity = p256EqualMask(magnitude, 0)
        for j in 0..<F.limbs {
            let y = (F.limb(t, j) & negativeMask) | (F.limb(q.y, j) & ~negativeMask)
            let one: UInt32 = j == 0 ? 1 : 0
            F.setLimb(q.y, j, (one & isIdentity) | (y & ~isIdentity))
            F.setLimb(q.z, j, F.limb(z, j) & ~isIdentity)
        }
    }
}

/// The multiples 1·G … 4·G of the base point, affine (Z = 1), as constants in flash: key
/// generation needs no table in its workspace and no time to build one. Checked against
/// the multiplication by a built table in P256Tests.
struct P256GeneratorTable: P256Table {
    typealias FieldElement = P256.FieldElement

    /// x(k·G), k in 1…4.
    @inline(__always)
    static func x(_ k: Int) -> FieldElement {
        switch k {
        case 1: P256.generatorX
        case 2: FieldElement(0x4766_9978, 0xA60B_48FC, 0x77F2_1B35, 0xC089_69E2,
                             0x04B5_1AC3, 0x8A52_3803, 0x8D03_4F7E, 0x7CF2_7B18)
        case 3: FieldElement(0xC6E7_FD6C, 0xFB41_661B, 0xEFAD_A985, 0xE6C6_B721,
                             0x1D4B_F165, 0xC8F7_EF95, 0xA633_0A44, 0x5ECB_E4D1)
        default: FieldElement(0x6B03_0852, 0x5093_0244, 0x7855_96EF, 0x031F_E2DB,
                              0x9EE6_2BD0, 0xA02D_DE65, 0x32D0_8FBB, 0xE253_4A35)
        }
    }

    /// y(k·G), k in 1…4.
    @inline(__always)
    static func y(_ k: Int) -> FieldElement {
        switch k {
        case 1: P256.generatorY
        case 2: FieldElement(0x2278_73D1, 0x9E04_B79D, 0x3CE9_8229, 0xBA7D_ADE6,
                             0x9F74_30DB, 0x293D_9AC6, 0xDB8E_D040, 0x0777_5510)
        case 3: FieldElement(0xA27D_5032, 0x9A79_B127, 0x384F_B83D, 0xD82A_B036,
                             0x1A64_A2EC, 0x374B_06CE, 0x4998_FF7E, 0x8734_640C)
        default: FieldElement(0x184E_D8C6, 0x5C42_C23F, 0xF30E_E005, 0x4EFC_96C3,
                              0xDA86_2D76, 0x19DF_EE5F, 0x4C63_3CC7, 0xE0F1_575A)
        }
    }

    @inline(never)
    func select(magnitude: UInt32, negative: UInt32, into q: P256.ProjectivePoint, scratch t: P256.Slot) {
        typealias F = FieldElement
        q.x.pointee = .zero
        q.y.pointee = .zero
        for k in 1...P256WindowTable.entries {
            let mask = p256EqualMask(magnitude, UInt32(truncatingIfNeeded: k))
            q.x.pointee = F.select(mask, P256GeneratorTable.x(k), q.x.pointee)
            q.y.pointee = F.select(mask, P256GeneratorTable.y(k), q.y.pointee)
        }
        q.z.pointee = .one
        P256.ProjectivePoint.applySign(q, magnitude: magnitude, negative: negative, z: q.z, scratch: t)
    }
}

/// The multiples 1·Q … 4·Q of a point for the signed window, brought to one common Z
/// ((X_i·Z/Z_i : Y_i·Z/Z_i : Z) is the same point) so that each entry stores X and Y only:
/// slots X1, Y1, …, X4, Y4, Z.
struct P256WindowTable: P256Table {
    typealias FieldElement = P256.FieldElement
    typealias ProjectivePoint = P256.ProjectivePoint

    /// Largest digit magnitude, and entries of the table.
    static var entries: Int { 4 }
    /// Slots the table takes.
    static var slots: Int { 2 * entries + 1 }

    let base: P256.Slot
    @inline(__always) var z: P256.Slot { base + 2 * P256WindowTable.entries }

    @inline(__always)
    init(at base: P256.Slot) { self.base = base }

    /// X and Y of entry k·Q, k in 1…4.
    @inline(__always) func x(_ k: Int) -> P256.Slot { base + 2 * (k - 1) }
    @inline(__always) func y(_ k: Int) -> P256.Slot { base + 2 * (k - 1) + 1 }

    /// Fills the table from the affine point Q = (X1, Y1) already in its first two slots,
    /// with the point slots p and q and the scratch of `ProjectivePoint.double` at t (whose
    /// fifth slot may be q.x).
    func build(p: ProjectivePoint, q: ProjectivePoint, scratch t: P256.Slot) {
        typealias F = FieldElement
        p.x.pointee = x(1).pointee; p.y.pointee = y(1).pointee; p.z.pointee = .one
        ProjectivePoint.double(p, scratch: t)                  // 2Q
        x(2).pointee = p.x.pointee; y(2).pointee = p.y.pointee; z.pointee = p.z.pointee
        q.x.pointee = x(1).pointee; q.y.pointee = y(1).pointee; q.z.pointee = .one
        ProjectivePoint.add(p, q, scratch: t)                  // 3Q
        x(3).pointee = p.x.pointee; y(3).pointee = p.y.pointee; q.z.pointee = p.z.pointee
        p.x.pointee = x(2).pointee; p.y.pointee = y(2).pointee; p.z.pointee = z.pointee
        ProjectivePoint.double(p, scratch: t)                  // 4Q
        x(4).pointee = p.x.pointee; y(4).pointee = p.y.pointee
        // Q has order n, so 2Q, 3Q, 4Q are not the identity and Z2, Z3, Z4 ≠ 0.
        let z2 = z, z3 = q.z, z4 = p.z, scale = t
        F.mul(scale, z2, z4)
        F.mul(x(3), x(3), scale); F.mul(y(3), y(3), scale)
        F.mul(scale, z2, z3)
        F.mul(x(4), x(4), scale); F.mul(y(4), y(4), scale)
        F.mul(scale, z3, z4)
        F.mul(x(2), x(2), scale); F.mul(y(2), y(2), scale)
        F.mul(z, z2, scale)                                    // Z = Z2·Z3·Z4
        F.mul(x(1), x(1), z); F.mul(y(1), y(1), z)
    }

    /// Reads every entry under a mask, limb by limb.
    @inline(never)
    func select(magnitude: UInt32, negative: UInt32, into q: ProjectivePoint, scratch t: P256.Slot) {
        typealias F = FieldElement
        for j in 0..<F.limbs {
            var x: UInt32 = 0, y: UInt32 = 0
            for k in 1...P256WindowTable.entries {
                let mask = p256EqualMask(magnitude, UInt32(truncatingIfNeeded: k))
                x |= F.limb(self.x(k), j) & mask
                y |= F.limb(self.y(k), j) & mask
            }
            F.setLimb(q.x, j, x)
            F.setLimb(q.y, j, y)
        }
        ProjectivePoint.applySign(q, magnitude: magnitude, negative: negative, z: z, scratch: t)
    }
}

extension P256 {
    /// The workspace of a multiplication by a point: the table, then a `PointWorkspace`.
    typealias Workspace = InlineArray<20, FieldElement>
    /// The workspace of a multiplication by G, whose table is in flash.
    typealias PointWorkspace = InlineArray<11, FieldElement>

    /// Where each part of a `PointWorkspace` starts: the accumulator, four temporaries, the
    /// selected entry (also the fifth temporary of a doubling), then the scalar.
    enum WorkspaceLayout {
        static var accumulator: Int { 0 }
        static var temporaries: Int { accumulator + 3 }
        static var selected: Int { temporaries + 4 }
        static var scalar: Int { selected + 3 }
        static var count: Int { scalar + 1 }
        /// Where the `PointWorkspace` starts in a `Workspace`.
        static var afterTable: Int { P256WindowTable.slots }
    }

    /// (s[0], s[1]) ← k·G for the scalar k loaded by `P256ScalarDigits.load`, s a
    /// `PointWorkspace`; false when the result is the identity.
    @inline(never)
    static func multiplyGenerator(_ s: Slot) -> Bool {
        multiply(s, table: P256GeneratorTable())
    }

    /// (s[0], s[1]) ← k·(s[0], s[1]) for an affine point Q on the curve and the scalar k
    /// loaded by `P256ScalarDigits.load(s + WorkspaceLayout.afterTable, _:)`, s a
    /// `Workspace`; false when the result is the identity. The table of Q is built in the
    /// first slots of the workspace.
    @inline(never)
    static func multiply(_ s: Slot) -> Bool {
        assert(Workspace.count == WorkspaceLayout.afterTable + WorkspaceLayout.count)
        let table = P256WindowTable(at: s)
        let points = s + WorkspaceLayout.afterTable
        table.build(p: ProjectivePoint(at: points + WorkspaceLayout.accumulator),
                    q: ProjectivePoint(at: points + WorkspaceLayout.selected),
                    scratch: points + WorkspaceLayout.temporaries)
        guard multiply(points, table: table) else { return false }
        s[0] = points[0]
        s[1] = points[1]
        return true
    }

    /// (s[0], s[1]) ← k·Q for the point Q of a table and the scalar k loaded by
    /// `P256ScalarDigits.load`, s a `PointWorkspace`; false when the result is the identity.
    /// Booth-recoded signed digits of 3 bits, most significant first, three doublings and
    /// one table addition per digit. The sequence of operations and memory accesses is the
    /// same for every scalar. Inlined into the two entry points, so that it adds no frame.
    @inline(__always)
    static func multiply<Table: P256Table>(_ s: Slot, table: Table) -> Bool {
        typealias Layout = WorkspaceLayout
        assert(PointWorkspace.count == Layout.count)
        let accumulator = ProjectivePoint(at: s + Layout.accumulator)
        let t = s + Layout.temporaries
        let q = ProjectivePoint(at: s + Layout.selected)
        let scalar = UnsafeRawPointer(s + Layout.scalar)

        var digit = P256ScalarDigits.digit(scalar, P256ScalarDigits.count - 1)
        table.select(magnitude: digit.magnitude, negative: digit.negative, into: accumulator, scratch: t)
        var i = P256ScalarDigits.count - 2
        while i >= 0 {
            for _ in 0..<3 { ProjectivePoint.double(accumulator, scratch: t) }
            digit = P256ScalarDigits.digit(scalar, i)
            table.select(magnitude: digit.magnitude, negative: digit.negative, into: q, scratch: t)
            ProjectivePoint.add(accumulator, q, scratch: t)
            i -= 1
        }
        digit = (0, 0)
        // The identity has Z = 0 (and 0 "inverts" to 0). Callers pass d < n and Q of order
        // n, so this is never true and tells nothing about d.
        let isIdentity = accumulator.z.pointee.isZeroMask != 0
        // The scratch of the inversion takes the slots after Z⁻¹, up to the scalar's.
        let zInverse = t
        FieldElement.invert(zInverse, accumulator.z, scratch: t + 1)
        FieldElement.mul(accumulator.x, accumulator.x, zInverse)
        FieldElement.mul(accumulator.y, accumulator.y, zInverse)
        return !isIdentity
    }
}

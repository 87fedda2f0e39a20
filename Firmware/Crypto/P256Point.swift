// The P-256 group law in homogeneous projective coordinates (X : Y : Z), x = X/Z, y = Y/Z,
// with the complete formulas of Renes, Costello and Batina, "Complete addition formulas for
// prime order elliptic curves" (EUROCRYPT 2016), for a = −3. Complete: the same sequence of
// field operations adds any two points, equal, opposite or the identity (0 : 1 : 0), so
// nothing branches on a secret.

extension P256 {
    struct ProjectivePoint {
        var x: FieldElement
        var y: FieldElement
        var z: FieldElement

        static var identity: ProjectivePoint { ProjectivePoint(x: .zero, y: .one, z: .zero) }

        /// p + q (RCB 2016, Algorithm 4). Step numbers are the paper's; temporaries are reused
        /// so that the frame holds nine field elements.
        @inline(never)
        static func add(_ p: ProjectivePoint, _ q: ProjectivePoint) -> ProjectivePoint {
            typealias F = FieldElement
            let b = F.b
            var t0 = F.zero, t1 = F.zero, t2 = F.zero, t3 = F.zero, t4 = F.zero, t5 = F.zero
            var x = F.zero, y = F.zero, z = F.zero
            F.mul(&t0, p.x, q.x)                            // 1
            F.mul(&t1, p.y, q.y)                            // 2
            F.mul(&t2, p.z, q.z)                            // 3
            F.add(&t3, p.x, p.y)                            // 4
            F.add(&t4, q.x, q.y)                            // 5
            F.mul(&t3, by: t4)                              // 6
            F.add(&t4, t0, t1)                              // 7
            F.sub(&t3, t3, t4)                              // 8
            F.add(&t4, p.y, p.z)                            // 9
            F.add(&t5, q.y, q.z)                            // 10 (X3 in the paper)
            F.mul(&t4, by: t5)                              // 11
            F.add(&t5, t1, t2)                              // 12
            F.sub(&t4, t4, t5)                              // 13
            // From here x, y, z are X3, Y3, Z3.
            F.add(&t5, p.x, p.z)                            // 14
            F.add(&y, q.x, q.z)                             // 15
            F.mul(&x, t5, y)                                // 16
            F.add(&t5, t0, t2)                              // 17
            F.sub(&y, x, t5)                                // 18
            F.mul(&z, b, t2)                                // 19
            F.sub(&x, y, z)                                 // 20
            F.add(&z, x, x)                                 // 21
            F.add(&t5, x, z)                                // 22
            F.sub(&z, t1, t5)                               // 23
            F.add(&x, t1, t5)                               // 24
            F.mul(&y, by: b)                                // 25
            F.add(&t1, t2, t2)                              // 26
            F.add(&t5, t1, t2)                              // 27 (t2)
            F.sub(&t2, y, t5)                               // 28 (Y3)
            F.sub(&y, t2, t0)                               // 29
            F.add(&t1, y, y)                                // 30
            F.add(&t2, t1, y)                               // 31 (Y3)
            F.add(&t1, t0, t0)                              // 32
            F.add(&y, t1, t0)                               // 33 (t0)
            F.sub(&t0, y, t5)                               // 34
            F.mul(&t1, t4, t2)                              // 35
            F.mul(&t5, t0, t2)                              // 36 (t2)
            F.mul(&y, x, z)                                 // 37
            F.add(&t2, y, t5)                               // 38 (Y3)
            y = t2
            F.mul(&x, by: t3)                               // 39
            F.sub(&t2, x, t1)                               // 40
            x = t2
            F.mul(&z, by: t4)                               // 41
            F.mul(&t1, t3, t0)                              // 42
            F.add(&t2, z, t1)                               // 43
            z = t2
            t0.wipe(); t1.wipe(); t2.wipe(); t3.wipe(); t4.wipe(); t5.wipe()
            return ProjectivePoint(x: x, y: y, z: z)
        }

        /// 2·p (RCB 2016, Algorithm 6). Step 28 (Y·Z) is done first.
        @inline(never)
        static func double(_ p: ProjectivePoint) -> ProjectivePoint {
            typealias F = FieldElement
            let b = F.b
            var yz = F.zero, t0 = F.zero, t1 = F.zero, t2 = F.zero, t3 = F.zero, t4 = F.zero
            var x = F.zero, y = F.zero, z = F.zero
            F.mul(&yz, p.y, p.z)                            // 28
            F.sqr(&t0, p.x)                                 // 1
            F.sqr(&t1, p.y)                                 // 2
            F.sqr(&t2, p.z)                                 // 3
            F.mul(&t4, p.x, p.y)                            // 4
            F.add(&t3, t4, t4)                              // 5
            F.mul(&t4, p.x, p.z)                            // 6 (Z3)
            F.add(&z, t4, t4)                               // 7
            F.mul(&t4, b, t2)                               // 8 (Y3)
            F.sub(&y, t4, z)                                // 9
            F.add(&x, y, y)                                 // 10
            F.add(&t4, x, y)                                // 11 (Y3)
            F.sub(&x, t1, t4)                               // 12
            F.add(&y, t1, t4)                               // 13
            F.mul(&y, by: x)                                // 14
            F.mul(&x, by: t3)                               // 15
            F.add(&t3, t2, t2)                              // 16
            F.add(&t4, t2, t3)                              // 17 (t2)
            F.mul(&z, by: b)                                // 18
            F.sub(&t2, z, t4)                               // 19 (Z3)
            F.sub(&z, t2, t0)                               // 20
            F.add(&t3, z, z)                                // 21
            F.add(&t2, z, t3)                               // 22 (Z3)
            F.add(&t3, t0, t0)                              // 23
            F.add(&z, t3, t0)                               // 24 (t0)
            F.sub(&t0, z, t4)                               // 25
            F.mul(&t0, by: t2)                              // 26
            F.add(&t3, y, t0)                               // 27 (Y3)
            y = t3
            F.add(&t0, yz, yz)                              // 29
            F.mul(&z, t0, t2)                               // 30
            F.sub(&t3, x, z)                                // 31 (X3)
            x = t3
            F.mul(&z, t0, t1)                               // 32
            F.add(&t3, z, z)                                // 33
            F.add(&z, t3, t3)                               // 34
            yz.wipe(); t0.wipe(); t1.wipe(); t2.wipe(); t3.wipe(); t4.wipe()
            return ProjectivePoint(x: x, y: y, z: z)
        }

        mutating func wipe() {
            withUnsafeMutableBytes(of: &self) { secureZero($0) }
        }
    }

    /// Whether (x, y) satisfies y^2 = x^3 − 3x + b (SEC 1 §3.2.2.1 step 3). Public inputs.
    static func isOnCurve(x: FieldElement, y: FieldElement) -> Bool {
        y.squared.isEqual(to: curveRightHandSide(x))
    }

    /// x^3 − 3x + b.
    static func curveRightHandSide(_ x: FieldElement) -> FieldElement {
        let three = FieldElement(3, 0, 0, 0, 0, 0, 0, 0)
        return (x.squared - three) * x + FieldElement.b
    }
}

/// All ones when a == b, else zero. Constant time.
@inline(__always)
func p256EqualMask(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let difference = a ^ b
    return constantTimeMask(((difference | (0 &- difference)) >> 31) ^ 1)
}

/// The multiples 1·Q … 4·Q of a point for the signed window, brought to one common Z
/// ((X_i·Z/Z_i : Y_i·Z/Z_i : Z) is the same point) so that each entry stores X and Y only.
struct P256WindowTable {
    typealias FieldElement = P256.FieldElement

    var x1, y1, x2, y2, x3, y3, x4, y4: FieldElement
    var z: FieldElement

    /// The table of an affine point (x, y) on the curve.
    init(x: FieldElement, y: FieldElement) {
        z = .one
        x1 = x; y1 = y
        let base = P256.ProjectivePoint(x: x, y: y, z: .one)
        var even = P256.ProjectivePoint.double(base)          // 2Q
        let odd = P256.ProjectivePoint.add(even, base)        // 3Q
        x2 = even.x; y2 = even.y
        x3 = odd.x; y3 = odd.y
        let z2 = even.z, z3 = odd.z
        even = P256.ProjectivePoint.double(even)              // 4Q
        x4 = even.x; y4 = even.y
        let z4 = even.z
        // Q has order n, so 2Q, 3Q, 4Q are not the identity and z2, z3, z4 ≠ 0.
        typealias F = FieldElement
        var scale = F.zero
        F.mul(&scale, z3, z4)
        F.mul(&z, z2, scale)
        F.mul(&x2, by: scale); F.mul(&y2, by: scale)
        F.mul(&x1, by: z); F.mul(&y1, by: z)
        F.mul(&scale, z2, z4)
        F.mul(&x3, by: scale); F.mul(&y3, by: scale)
        F.mul(&scale, z2, z3)
        F.mul(&x4, by: scale); F.mul(&y4, by: scale)
    }

    /// digit·Q for a digit given as magnitude (0…4) and sign, by reading every entry under
    /// a mask: the memory accessed does not depend on the digit.
    func select(magnitude: UInt32, negative: UInt32, into q: inout P256.ProjectivePoint) {
        q.x = .zero
        q.y = .zero
        var mask = p256EqualMask(magnitude, 1)
        q.x.accumulate(x1, mask); q.y.accumulate(y1, mask)
        mask = p256EqualMask(magnitude, 2)
        q.x.accumulate(x2, mask); q.y.accumulate(y2, mask)
        mask = p256EqualMask(magnitude, 3)
        q.x.accumulate(x3, mask); q.y.accumulate(y3, mask)
        mask = p256EqualMask(magnitude, 4)
        q.x.accumulate(x4, mask); q.y.accumulate(y4, mask)
        q.y = FieldElement.select(constantTimeMask(negative), q.y.negated, q.y)
        let isIdentity = p256EqualMask(magnitude, 0)
        q.y = FieldElement.select(isIdentity, .one, q.y)
        q.z = FieldElement.select(isIdentity, .zero, z)
    }

    mutating func wipe() {
        withUnsafeMutableBytes(of: &self) { secureZero($0) }
    }
}

extension P256 {
    /// scalar·(x, y) for an affine point on the curve: Booth-recoded signed digits of 3 bits,
    /// most significant first, three doublings and one table addition per digit. The
    /// sequence of operations and memory accesses is the same for every scalar.
    static func multiply(x: FieldElement, y: FieldElement, by scalar: Bytes32) -> ProjectivePoint {
        var table = P256WindowTable(x: x, y: y)
        var digits = P256ScalarDigits(scalar: scalar)
        var q = ProjectivePoint.identity
        var digit = digits.digit(P256ScalarDigits.count - 1)
        table.select(magnitude: digit.magnitude, negative: digit.negative, into: &q)
        var accumulator = q
        var i = P256ScalarDigits.count - 2
        while i >= 0 {
            accumulator = ProjectivePoint.double(accumulator)
            accumulator = ProjectivePoint.double(accumulator)
            accumulator = ProjectivePoint.double(accumulator)
            digit = digits.digit(i)
            table.select(magnitude: digit.magnitude, negative: digit.negative, into: &q)
            accumulator = ProjectivePoint.add(accumulator, q)
            i -= 1
        }
        digit = (0, 0)
        digits.wipe()
        table.wipe()
        q.wipe()
        return accumulator
    }
}

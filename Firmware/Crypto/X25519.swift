// X25519, the Diffie-Hellman function on Curve25519 (RFC 7748 §5 and §6.1).

public enum X25519 {
    /// a24 = (A − 2) / 4 for A = 486662, the ladder constant (RFC 7748 §5).
    static var a24: UInt32 { 121665 }

    /// Bits of the clamped scalar the ladder reads, from bit 254 down to bit 0 (§5: bit 255
    /// is cleared by clamping).
    static var scalarBits: Int { 255 }

    /// The u-coordinate of the base point, u = 9 (RFC 7748 §4.1).
    static var baseU: Bytes32 {
        var u = Bytes32.zero
        u[0] = 9
        return u
    }

    /// X25519(k, u) (RFC 7748 §5): clamps `scalar` (decodeScalar25519), masks bit 255 of
    /// `uCoordinate` and accepts non-canonical values, and returns the canonical result.
    /// A Montgomery ladder with a constant-time conditional swap: the operations and memory
    /// accesses are the same for every scalar.
    @export(interface)
    public static func scalarMult(scalar: Bytes32, uCoordinate: Bytes32) -> Bytes32 {
        var k = scalar
        k[0] &= 248
        k[31] &= 127
        k[31] |= 64
        var workspace = InlineArray<7, FieldElement>(repeating: .zero)
        let out = workspace.withSlots { w in
            let x1 = w + Ladder.x1, x2 = w + Ladder.x2, z2 = w + Ladder.z2
            let x3 = w + Ladder.x3, z3 = w + Ladder.z3
            x1.pointee = FieldElement(decodingUCoordinate: uCoordinate)
            x2.pointee = .one
            x3.pointee = x1.pointee
            z3.pointee = .one
            var swap: UInt32 = 0
            var t = scalarBits
            while t > 0 {
                t -= 1
                let kt = UInt32(truncatingIfNeeded: k[t &>> 3] &>> UInt8(truncatingIfNeeded: t & 7)) & 1
                swap ^= kt
                FieldElement.conditionalSwap(x2, x3, mask: 0 &- swap)
                FieldElement.conditionalSwap(z2, z3, mask: 0 &- swap)
                swap = kt
                ladderStep(w)
            }
            FieldElement.conditionalSwap(x2, x3, mask: 0 &- swap)
            FieldElement.conditionalSwap(z2, z3, mask: 0 &- swap)
            // x1 is spent: it takes 1/z2, then x2/z2; x3, z3 and t0 are the scratch.
            FieldElement.invert(x1, z2, scratch: w + Ladder.x3)
            FieldElement.mul(x1, x1, x2)
            return x1.pointee.encoded()
        }
        k.wipe()
        workspace.wipe()
        return out
    }

    /// Where the ladder's values sit in the workspace of `scalarMult` (RFC 7748 §5 names
    /// them). x3, z3 and t0 follow one another: the inversion's scratch.
    private enum Ladder {
        static var x1: Int { 0 }
        static var x2: Int { 1 }
        static var z2: Int { 2 }
        static var x3: Int { 3 }
        static var z3: Int { 4 }
        static var t0: Int { 5 }
        static var t1: Int { 6 }
    }

    /// One step of the ladder (RFC 7748 §5) after the swap, in place: t0 = B, x2 = A,
    /// t1 = D, x3 = C. Out of line, so that its frame is gone before the inversion.
    @inline(never)
    private static func ladderStep(_ w: Slot) {
        typealias F = FieldElement
        let x1 = w + Ladder.x1, x2 = w + Ladder.x2, z2 = w + Ladder.z2
        let x3 = w + Ladder.x3, z3 = w + Ladder.z3, t0 = w + Ladder.t0, t1 = w + Ladder.t1
        F.sub(t0, x2, z2)       // B
        F.add(x2, x2, z2)       // A
        F.sub(t1, x3, z3)       // D
        F.add(x3, x3, z3)       // C
        F.mul(t1, t1, x2)       // DA
        F.mul(x3, x3, t0)       // CB
        F.sub(z3, t1, x3)
        F.square(z3, z3)
        F.mul(z3, z3, x1)       // x1 · (DA − CB)^2
        F.add(x3, x3, t1)
        F.square(x3, x3)        // (DA + CB)^2
        F.square(x2, x2)        // AA
        F.square(t0, t0)        // BB
        F.sub(t1, x2, t0)       // E
        F.mul(z2, t1, small: a24)
        F.add(z2, z2, x2)
        F.mul(z2, z2, t1)       // E · (AA + a24 · E)
        F.mul(x2, x2, t0)       // AA · BB
    }

    /// The public key X25519(k, 9) for a private key k (RFC 7748 §6.1).
    @export(interface)
    public static func publicKey(privateKey: Bytes32) -> Bytes32 {
        scalarMult(scalar: privateKey, uCoordinate: baseU)
    }

    /// The shared secret X25519(k, peer's u) (RFC 7748 §6.1). Throws `.weakSharedSecret`
    /// when it is all zeros, which a low-order public key forces; the check looks at every
    /// byte whatever their values.
    @export(interface)
    public static func sharedSecret(privateKey: Bytes32, publicKey: Bytes32) throws(CryptoError) -> Bytes32 {
        let shared = scalarMult(scalar: privateKey, uCoordinate: publicKey)
        var any: UInt8 = 0
        for i in 0..<Bytes32.count {
            any |= shared[i]
        }
        if constantTimeIsZero(any) {
            throw .weakSharedSecret
        }
        return shared
    }
}

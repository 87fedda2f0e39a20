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
        let x1 = FieldElement(decodingUCoordinate: uCoordinate)
        var x2 = FieldElement.one
        var z2 = FieldElement.zero
        var x3 = x1
        var z3 = FieldElement.one
        var t0 = FieldElement.zero
        var t1 = FieldElement.zero
        var swap: UInt32 = 0
        var t = scalarBits
        while t > 0 {
            t -= 1
            let kt = UInt32(truncatingIfNeeded: k[t &>> 3] &>> UInt8(truncatingIfNeeded: t & 7)) & 1
            swap ^= kt
            FieldElement.conditionalSwap(&x2, &x3, mask: 0 &- swap)
            FieldElement.conditionalSwap(&z2, &z3, mask: 0 &- swap)
            swap = kt
            // §5 in place: t0 = B, x2 = A, t1 = D, x3 = C.
            t0 = x2
            t0 -= z2
            x2 += z2
            t1 = x3
            t1 -= z3
            x3 += z3
            t1 *= x2                // DA
            x3 *= t0                // CB
            z3 = t1
            z3 -= x3
            z3.square()
            z3 *= x1                // x1 · (DA − CB)^2
            x3 += t1
            x3.square()             // (DA + CB)^2
            x2.square()             // AA
            t0.square()             // BB
            t1 = x2
            t1 -= t0                // E
            z2 = t1.times(a24)
            z2 += x2
            z2 *= t1                // E · (AA + a24 · E)
            x2 *= t0                // AA · BB
        }
        FieldElement.conditionalSwap(&x2, &x3, mask: 0 &- swap)
        FieldElement.conditionalSwap(&z2, &z3, mask: 0 &- swap)
        var u = z2.inverse()
        u *= x2
        let out = u.encoded()
        k.wipe()
        x2.wipe()
        z2.wipe()
        x3.wipe()
        z3.wipe()
        t0.wipe()
        t1.wipe()
        u.wipe()
        return out
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

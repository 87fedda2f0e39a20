// P-256 (secp256r1, SP 800-186 §3.2.1.3) key generation and Diffie-Hellman: the primitive
// of SEC 1 §3.3.1 with full public-key validation (SEC 1 §3.2.2.1, SP 800-56A Rev. 3
// §5.6.2.3.3), in constant time with respect to the private key.

public enum P256 {
    /// A point on the curve, affine, coordinates big-endian. Only constructed after
    /// validation: not the identity, coordinates below p, on the curve (the cofactor is 1,
    /// so every such point is in the group).
    public struct PublicKey: Sendable {
        public let x: Bytes32
        public let y: Bytes32

        init(validated x: Bytes32, _ y: Bytes32) {
            self.x = x
            self.y = y
        }

        /// The point `multiplyGenerator` left in a workspace; then wipes the workspace. Out of line,
        /// so that the encoding's temporaries do not sit in the caller's frame.
        @inline(never)
        init(wiping workspace: inout PointWorkspace) {
            let (x, y) = workspace.withSlots { s in (s[0].bigEndianBytes, s[1].bigEndianBytes) }
            workspace.wipe()
            self.init(validated: x, y)
        }
    }

    /// Bytes of an uncompressed SEC 1 point, 0x04 ‖ x ‖ y (SEC 1 §2.3.3).
    public static let uncompressedPointLength = 65
    /// Bytes of a compressed SEC 1 point, 0x02/0x03 ‖ x.
    public static let compressedPointLength = 33
    /// Draws of 32 random bytes before key generation gives up; each draw is rejected with
    /// probability (2^256 − n + 1)/2^256 < 2^−32, so reaching the bound means a broken RNG.
    public static let privateKeyDrawsMax = 16

    /// Whether 1 ≤ d < n. Constant time.
    @export(interface)
    public static func isValidPrivateKey(_ d: Bytes32) -> Bool {
        privateKeyInRange(d) == 1
    }

    /// A private key drawn uniformly from [1, n − 1] by rejection sampling: random 256-bit
    /// strings are drawn until one is in range (FIPS 186-5 §A.2.2, SP 800-56A Rev. 3
    /// §5.6.1.2.2). Which draw is accepted says nothing about the key.
    public static func generatePrivateKey<R: RandomSource>(using rng: inout R) -> Bytes32 {
        for _ in 0..<privateKeyDrawsMax {
            var candidate = rng.bytes32()
            if isValidPrivateKey(candidate) { return candidate }
            candidate.wipe()
        }
        preconditionFailure("P-256 key generation: random source returned out-of-range values")
    }

    /// The public key d·G (SEC 1 §3.2.1).
    // Always inlined into callers in this module (SoftwareCrypto): otherwise the compiler
    // splits it into this entry point and an internal copy without the metatype, and the
    // entry point copies the result through a temporary frame of its own.
    @export(interface)
    @inline(__always)
    public static func publicKey(privateKey: Bytes32) throws(CryptoError) -> PublicKey {
        guard isValidPrivateKey(privateKey) else { throw .invalidPrivateKey }
        var workspace = PointWorkspace(repeating: .zero)
        let isFinite = workspace.withSlots { s in
            P256ScalarDigits.load(s, privateKey)
            return multiplyGenerator(s)
        }
        // 1 ≤ d < n and G of order n: d·G is never the identity.
        guard isFinite else {
            workspace.wipe()
            throw .invalidPrivateKey
        }
        // The result is built straight into the return value, then the workspace wiped.
        return PublicKey(wiping: &workspace)
    }

    /// A public key from its SEC 1 encoding (SEC 1 §2.3.4), uncompressed or compressed,
    /// fully validated. The identity (0x00) and anything malformed or off the curve is
    /// rejected.
    @export(interface)
    public static func decodePublicKey(sec1: Span<UInt8>) throws(CryptoError) -> PublicKey {
        guard sec1.count == uncompressedPointLength || sec1.count == compressedPointLength
            || sec1.count == 1 else { throw .invalidLength }
        var x = Bytes32.zero
        for i in 0..<32 where sec1.count > 1 { x[i] = sec1[1 + i] }
        switch (sec1.count, sec1[0]) {
        case (uncompressedPointLength, 0x04):
            var y = Bytes32.zero
            for i in 0..<32 { y[i] = sec1[33 + i] }
            guard let fx = FieldElement(bigEndian: x), let fy = FieldElement(bigEndian: y) else {
                throw .invalidPublicKey
            }
            var slots = InlineArray<4, FieldElement>(repeating: .zero)
            assert(slots.count == curveCheckSlots)
            let onCurve = slots.withSlots { s in
                s[0] = fx
                s[1] = fy
                return isOnCurve(s)
            }
            guard onCurve else { throw .invalidPublicKey }
            return PublicKey(validated: x, y)
        case (compressedPointLength, 0x02), (compressedPointLength, 0x03):
            return try publicKey(x: x, yIsOdd: sec1[0] == 0x03)
        default:
            throw .invalidPublicKey
        }
    }

    /// The point with x-coordinate `x` and the given parity of y (SEC 1 §2.3.4 step 2.4).
    @export(interface)
    public static func publicKey(x: Bytes32, yIsOdd: Bool) throws(CryptoError) -> PublicKey {
        guard let fx = FieldElement(bigEndian: x) else { throw .invalidPublicKey }
        var slots = InlineArray<9, FieldElement>(repeating: .zero)
        assert(slots.count == decompressionSlots)
        let y: Bytes32? = slots.withSlots { s in
            s[0] = fx
            guard decompress(s, yIsOdd: yIsOdd) else { return nil }
            return s[1].bigEndianBytes
        }
        guard let y else { throw .invalidPublicKey }
        return PublicKey(validated: x, y)
    }

    /// The shared secret z = x(d·Q) (SEC 1 §3.3.1, SP 800-56A Rev. 3 §5.7.1.2).
    @export(interface)
    public static func ecdh(privateKey: Bytes32, publicKey: PublicKey) throws(CryptoError) -> Bytes32 {
        guard isValidPrivateKey(privateKey) else { throw .invalidPrivateKey }
        var workspace = Workspace(repeating: .zero)
        let isFinite = workspace.withSlots { s in
            FieldElement.load(s, publicKey)
            P256ScalarDigits.load(s + WorkspaceLayout.afterTable, privateKey)
            return multiply(s)
        }
        // d < n and Q of order n: d·Q is never the identity (SEC 1 §3.3.1 step 2).
        guard isFinite else {
            workspace.wipe()
            throw .invalidPublicKey
        }
        return affineX(wiping: &workspace)
    }

    /// ECDH with a peer key sent as its x-coordinate only (RFC 9528 §3.7). Either y will do:
    /// x(d·(−Q)) = x(−d·Q) = x(d·Q). The point is recovered in the workspace of the
    /// multiplication, so that the two do not nest.
    // Always inlined in this module, as `publicKey(privateKey:)`.
    @export(interface)
    @inline(__always)
    public static func ecdh(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32 {
        guard isValidPrivateKey(privateKey) else { throw .invalidPrivateKey }
        var workspace = Workspace(repeating: .zero)
        assert(workspace.count >= decompressionSlots)
        let isValid = workspace.withSlots { s in
            guard FieldElement.load(s, bigEndian: publicKeyX), decompress(s, yIsOdd: false) else {
                return false
            }
            P256ScalarDigits.load(s + WorkspaceLayout.afterTable, privateKey)
            return multiply(s)
        }
        guard isValid else {
            workspace.wipe()
            throw .invalidPublicKey
        }
        return affineX(wiping: &workspace)
    }

    /// The x-coordinate `multiply` left in a workspace, big-endian; then wipes the workspace.
    /// Out of line, so that the encoding's temporaries do not sit in the caller's frame.
    @inline(never)
    static func affineX(wiping workspace: inout Workspace) -> Bytes32 {
        let x = workspace.withSlots { s in s[0].bigEndianBytes }
        workspace.wipe()
        return x
    }

    /// The base point G (SP 800-186 §3.2.1.3).
    static var generatorX: FieldElement {
        FieldElement(0xD898_C296, 0xF4A1_3945, 0x2DEB_33A0, 0x7703_7D81,
                     0x63A4_40F2, 0xF8BC_E6E5, 0xE12C_4247, 0x6B17_D1F2)
    }
    static var generatorY: FieldElement {
        FieldElement(0x37BF_51F5, 0xCBB6_4068, 0x6B31_5ECE, 0x2BCE_3357,
                     0x7C0F_9E16, 0x8EE7_EB4A, 0xFE1A_7F9B, 0x4FE3_42E2)
    }
}

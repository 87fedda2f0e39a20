import RampartCrypto

/// An authentication credential: a CWT Claims Set (CCS, RFC 8392) carrying a COSE_Key in its
/// `cnf` claim, identified by the key's kid (RFC 9528 §3.5.2, §3.5.3). The CCS bytes are
/// CRED_x exactly as they enter the transcript; the key and kid are read out of them.
public struct EDHOCCredential: Sendable {
    /// CRED_x: the encoded CCS.
    public let bytes: CredentialStorage
    /// The COSE_Key's kid (ID_CRED_x = { 4 : kid }).
    public let keyID: EDHOCIdentifier
    /// The public key: P-256 x-coordinate or X25519 u-coordinate.
    public let publicKey: Bytes32
    /// The suite the key belongs to (EC2/P-256 → 2, OKP/X25519 → 0).
    public let suite: EDHOCCipherSuite

    // COSE labels (RFC 9052 §7, RFC 9053 §7; CWT cnf RFC 8747).
    static let cwtConfirmation: Int32 = 8
    static let confirmationCOSEKey: Int32 = 1
    static let keyType: Int32 = 1
    static let keyKeyID: Int32 = 2
    static let curve: Int32 = -1
    static let curveX: Int32 = -2
    static let keyTypeOKP: Int32 = 1
    static let keyTypeEC2: Int32 = 2
    static let curveP256: Int32 = 1
    static let curveX25519: Int32 = 4

    /// Parses a CCS. Throws `.unsupportedCredential` unless it has a COSE_Key with a kid and
    /// a P-256 or X25519 public key, `.tooLong` past `EDHOCLimits.maxCredentialByteCount`.
    public init(ccs: Span<UInt8>) throws(EDHOCError) {
        guard ccs.count <= EDHOCLimits.maxCredentialByteCount else { throw .tooLong }
        var reader = CBORReader(ccs)
        var found: (kid: EDHOCIdentifier, key: Bytes32, suite: EDHOCCipherSuite)? = nil
        let claims = try reader.edhoc { r throws(CBORError) in try r.readMapHeader() }
        for _ in 0..<claims {
            let label = try reader.edhocInt()
            if label == Self.cwtConfirmation {
                let confirmations = try reader.edhoc { r throws(CBORError) in try r.readMapHeader() }
                for _ in 0..<confirmations {
                    if try reader.edhocInt() == Self.confirmationCOSEKey {
                        found = try Self.readCOSEKey(&reader)
                    } else {
                        try reader.edhoc { r throws(CBORError) in try r.skipItem() }
                    }
                }
            } else {
                try reader.edhoc { r throws(CBORError) in try r.skipItem() }
            }
        }
        try reader.edhocFinish()
        guard let found else { throw .unsupportedCredential }
        do { bytes = try BoundedBytes(copying: ccs) } catch { throw .tooLong }
        keyID = found.kid
        publicKey = found.key
        suite = found.suite
    }

    private static func readCOSEKey(_ reader: inout CBORReader) throws(EDHOCError)
        -> (kid: EDHOCIdentifier, key: Bytes32, suite: EDHOCCipherSuite) {
        var kty: Int32 = 0
        var crv: Int32 = 0
        var kid: EDHOCIdentifier? = nil
        var x: Bytes32? = nil
        let entries = try reader.edhoc { r throws(CBORError) in try r.readMapHeader() }
        for _ in 0..<entries {
            switch try reader.edhocInt() {
            case keyType: kty = try reader.edhocInt()
            case curve: crv = try reader.edhocInt()
            case keyKeyID: kid = try EDHOCIdentifier(try reader.edhocByteString())
            case curveX:
                let raw = try reader.edhocByteString(length: EDHOCCipherSuite.publicKeyLength)
                x = try? Bytes32(copying: raw)
            default:
                try reader.edhoc { r throws(CBORError) in try r.skipItem() }
            }
        }
        guard let kid, let x else { throw .unsupportedCredential }
        if kty == keyTypeEC2 && crv == curveP256 { return (kid, x, .suite2) }
        if kty == keyTypeOKP && crv == curveX25519 { return (kid, x, .suite0) }
        throw .unsupportedCredential
    }
}

/// This endpoint's own static Diffie-Hellman key and its credential (method 3). Non-copyable,
/// so the private key exists once; `destroy()` zeroes it.
public struct EDHOCStaticKey: ~Copyable {
    var privateKey: Bytes32
    public let credential: EDHOCCredential

    /// Pairs a private key with its credential; throws `.unsupportedCredential` if the
    /// credential's public key is not the one of `privateKey`.
    public init<Crypto: CryptoProvider>(crypto: borrowing Crypto, privateKey: Bytes32,
                                        credential: EDHOCCredential) throws(EDHOCError) {
        let derived = try credential.suite.publicKey(crypto, privateKey: privateKey)
        guard constantTimeEqual(derived.span, credential.publicKey.span) else { throw .unsupportedCredential }
        self.privateKey = privateKey
        self.credential = credential
    }

    /// Zeroes the private key.
    public consuming func destroy() {
        privateKey.wipe()
    }

    /// Zeroes the private key in place, for a holder that cannot consume it (a class's
    /// deinit). The key is unusable afterwards.
    public mutating func wipe() {
        privateKey.wipe()
    }
}

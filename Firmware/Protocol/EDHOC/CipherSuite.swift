import RampartCrypto

/// The cipher suites of this profile (RFC 9528 §10.2). Both use AES-CCM-16-64-128,
/// SHA-256 and an 8-byte MAC; they differ in the Diffie-Hellman group.
public enum EDHOCCipherSuite: Int32, Sendable {
    /// X25519 for the ephemeral and static keys.
    case suite0 = 0
    /// P-256 (public keys sent as the x-coordinate only, §3.7).
    case suite2 = 2

    /// EDHOC hash algorithm output length (SHA-256).
    public static let hashLength = 32
    /// EDHOC MAC length for static DH authentication.
    public static let macLength = 8
    /// EDHOC AEAD key and nonce lengths (AES-CCM-16-64-128).
    public static let keyLength = 16
    public static let ivLength = 13
    public static let tagLength = 8
    /// Length of a public key on the wire (x-coordinate or u-coordinate).
    public static let publicKeyLength = 32

    /// The public key for `privateKey`.
    func publicKey<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, privateKey: Bytes32) throws(EDHOCError) -> Bytes32 {
        switch self {
        case .suite0:
            return crypto.x25519PublicKey(privateKey: privateKey)
        case .suite2:
            do { return try crypto.p256PublicKey(privateKey: privateKey).x } catch { throw EDHOCError(error) }
        }
    }

    /// The ECDH shared secret of `privateKey` and the peer's `publicKey` (validated).
    func sharedSecret<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, privateKey: Bytes32,
                                              publicKey: Bytes32) throws(EDHOCError) -> Bytes32 {
        do {
            switch self {
            case .suite0: return try crypto.x25519(privateKey: privateKey, publicKey: publicKey)
            case .suite2: return try crypto.p256ECDH(privateKey: privateKey, publicKeyX: publicKey)
            }
        } catch {
            throw EDHOCError(error)
        }
    }

    /// A fresh ephemeral private key from the provider's random source. For P-256 a draw
    /// outside [1, n-1] (probability below 2^-32) is drawn again.
    func generatePrivateKey<Crypto: CryptoProvider>(_ crypto: inout Crypto) -> Bytes32 {
        var key = Bytes32.zero
        while true {
            var span = key.mutableSpan
            crypto.fillRandom(&span)
            if self == .suite0 { return key }
            if (try? crypto.p256PublicKey(privateKey: key)) != nil { return key }
        }
    }
}

/// A list of cipher suites as EDHOC sends it (SUITES_I, SUITES_R; §5.2.2): one suite is an
/// int, several are an array. For SUITES_I the order is the Initiator's preference and the
/// last element is the selected suite.
public struct EDHOCSuites: Sendable, Equatable {
    var values: SuiteStorage
    public private(set) var count: Int

    public init() {
        values = InlineArray(repeating: 0)
        count = 0
    }

    /// The list of `suites`, in order.
    public init(_ suites: Int32...) throws(EDHOCError) {
        self.init()
        for suite in suites { try append(suite) }
    }

    /// Parses an encoded SUITES_I or SUITES_R (one CBOR data item).
    public init(encoded: Span<UInt8>) throws(EDHOCError) {
        var reader = CBORReader(encoded)
        self = try Self.read(from: &reader)
        try reader.edhocFinish()
    }

    /// SUITES_I for a new message_1 after an error with SUITES_R (§6.3.2): the first suite
    /// in the Initiator's `preferences` that SUITES_R offers is selected, and every suite the
    /// Initiator prefers to it comes before it. Nil if none of SUITES_R is acceptable.
    public static func retry(preferences: EDHOCSuites, suitesR: EDHOCSuites) -> EDHOCSuites? {
        var suites = EDHOCSuites()
        for i in 0..<preferences.count {
            suites.values[i] = preferences[i]
            suites.count = i + 1
            if suitesR.contains(preferences[i]) { return suites }
        }
        return nil
    }

    public mutating func append(_ suite: Int32) throws(EDHOCError) {
        guard count < EDHOCLimits.maxSuiteCount else { throw .tooLong }
        values[count] = suite
        count += 1
    }

    public subscript(index: Int) -> Int32 { values[index] }

    /// The last suite: in SUITES_I, the one the Initiator selected.
    public var selected: Int32? { count > 0 ? values[count - 1] : nil }

    public func contains(_ suite: Int32) -> Bool {
        for i in 0..<count where values[i] == suite { return true }
        return false
    }

    public static func == (a: EDHOCSuites, b: EDHOCSuites) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.values[i] != b.values[i] { return false }
        return true
    }

    /// Writes the list: an int for one suite, an array otherwise.
    func encode(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        if count != 1 { try writer.cborArrayHeader(count) }
        for i in 0..<count { try writer.cborInt(values[i]) }
    }

    /// Reads `suites = [ 2* int ] / int`: an array of one element is a surplus encoding.
    static func read(from reader: inout CBORReader) throws(EDHOCError) -> EDHOCSuites {
        var suites = EDHOCSuites()
        if try reader.edhocPeek() == .array {
            let n = try reader.edhoc { r throws(CBORError) in try r.readArrayHeader() }
            guard n >= 2 else { throw .malformedMessage(.wrongType) }
            guard n <= EDHOCLimits.maxSuiteCount else { throw .tooLong }
            for _ in 0..<n { try suites.append(try reader.edhocInt()) }
        } else {
            try suites.append(try reader.edhocInt())
        }
        return suites
    }
}

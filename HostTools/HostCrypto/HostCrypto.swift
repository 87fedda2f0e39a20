// The gateway's crypto provider: the same protocol as the device's SoftwareCrypto, over
// libsodium and swift-crypto.
import RampartCrypto

/// `CryptoProvider` for the gateway.
///
/// - SHA-256, HMAC-SHA-256, X25519 and random bytes: libsodium (`Sodium`).
/// - HKDF (RFC 5869): built here on libsodium's HMAC.
/// - AES-CCM: the core's `CCM` over `HostAES128` (BoringSSL's AES); swift-crypto has no CCM.
/// - P-256: swift-crypto's `P256.KeyAgreement` (BoringSSL).
///
/// Stateless apart from the proof that libsodium is initialised: a `Sendable` value that any
/// task may copy.
public struct HostCrypto: CryptoProvider, Sendable {
    /// HashLen of SHA-256 (RFC 5869 §2.1).
    public static let hashByteCount = 32
    /// L ≤ 255 × HashLen (RFC 5869 §2.3).
    public static let hkdfOutputByteCountMax = 255 * hashByteCount

    private let sodium: Sodium

    /// - Throws: `SodiumError.initializationFailed` when libsodium cannot be initialised.
    public init() throws(SodiumError) {
        sodium = try Sodium()
    }

    public func sha256(_ message: Span<UInt8>) -> Bytes32 {
        sodium.sha256(message)
    }

    public func hmacSHA256(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32 {
        sodium.hmacSHA256(key: key, message: message)
    }

    /// PRK = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). An empty salt and HashLen zero bytes give
    /// the same PRK, as HMAC pads its key with zeros.
    public func hkdfExtract(salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32 {
        sodium.hmacSHA256(key: salt, message: ikm)
    }

    /// T(i) = HMAC-Hash(PRK, T(i−1) ‖ info ‖ i), output the first L bytes of T(1) ‖ T(2) ‖ …
    /// (RFC 5869 §2.3).
    ///
    /// - Throws: `.limitExceeded` when L exceeds 255 × 32; `.invalidLength` when the PRK is
    ///   shorter than HashLen.
    public func hkdfExpand(prk: Span<UInt8>, info: Span<UInt8>,
                           into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        guard output.count <= Self.hkdfOutputByteCountMax else { throw .limitExceeded }
        guard prk.count >= Self.hashByteCount else { throw .invalidLength }
        var keyed = sodium.hmacSHA256(key: prk)
        var block = Bytes32.zero
        var counter = InlineArray<1, UInt8>(repeating: 0)
        var written = 0
        while written < output.count {
            counter[0] &+= 1
            var mac = keyed
            if counter[0] > 1 { mac.update(block.span) }
            mac.update(info)
            mac.update(counter.span)
            block = mac.finalize()
            let take = min(Self.hashByteCount, output.count - written)
            for i in 0..<take { output[written + i] = block[i] }
            written += take
        }
        block.wipe()
        keyed.wipe()
    }

    public func aesCCMSeal(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, plaintext: Span<UInt8>,
                           tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        let ccm = try CCM(cipher: HostAES128(key: key), tagLength: tagLength)
        try ccm.seal(nonce: nonce, aad: aad, plaintext: plaintext, into: &output)
    }

    public func aesCCMOpen(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>,
                           tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        let ccm = try CCM(cipher: HostAES128(key: key), tagLength: tagLength)
        try ccm.open(nonce: nonce, aad: aad, ciphertextAndTag: ciphertextAndTag, into: &output)
    }

    public func x25519PublicKey(privateKey: Bytes32) -> Bytes32 {
        sodium.x25519PublicKey(privateKey: privateKey)
    }

    /// X25519 through libsodium, which refuses an all-zero result (RFC 7748 §6.1).
    public func x25519(privateKey: Bytes32, publicKey: Bytes32) throws(CryptoError) -> Bytes32 {
        do {
            return try sodium.x25519(scalar: privateKey, uCoordinate: publicKey)
        } catch {
            throw .weakSharedSecret
        }
    }

    public func p256PublicKey(privateKey: Bytes32) throws(CryptoError) -> (x: Bytes32, y: Bytes32) {
        try HostP256.publicKey(privateKey: privateKey)
    }

    public func p256ECDH(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32 {
        try HostP256.ecdh(privateKey: privateKey, publicKeyX: publicKeyX)
    }

    /// Random bytes from the operating system's CSPRNG, through libsodium.
    public mutating func fillRandom(_ buffer: inout MutableSpan<UInt8>) {
        sodium.randomBytes(into: &buffer)
    }
}

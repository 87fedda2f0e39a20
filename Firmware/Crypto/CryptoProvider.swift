/// The cryptography EDHOC, OSCORE and the ledger need, as one protocol with two backends:
/// `SoftwareCrypto` (this module: constant-time Swift for the boards, also runs on the
/// host) and `HostCrypto` (HostTools: libsodium and swift-crypto). Protocol code is generic
/// over it, as lakers is over its `Crypto` trait, so the gateway reuses the device code.
///
/// Names follow RFC 9528 §3.6 (cipher suites 0 and 2): SHA-256, HKDF, AES-CCM-16-64-128
/// (13-byte nonce, 8-byte tag), X25519 or P-256 ECDH with x-coordinate public keys.
public protocol CryptoProvider {
    /// SHA-256 (FIPS 180-4).
    func sha256(_ message: Span<UInt8>) -> Bytes32

    /// HMAC-SHA-256 (RFC 2104).
    func hmacSHA256(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32

    /// HKDF-Extract (RFC 5869 §2.2).
    func hkdfExtract(salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32

    /// HKDF-Expand (RFC 5869 §2.3) filling `output`; at most 255 × 32 bytes.
    func hkdfExpand(prk: Span<UInt8>, info: Span<UInt8>, into output: inout MutableSpan<UInt8>) throws(CryptoError)

    /// AES-128-CCM encryption (RFC 3610) with a 7…13-byte nonce and a 4…16-byte even tag.
    /// `output.count` must be `plaintext.count + tagLength`.
    func aesCCMSeal(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, plaintext: Span<UInt8>,
                    tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError)

    /// AES-128-CCM decryption. `output.count` must be `ciphertextAndTag.count - tagLength`.
    /// On a bad tag, throws `.authenticationFailed` and leaves `output` zeroed.
    func aesCCMOpen(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>,
                    tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError)

    /// X25519 public key for a private key (RFC 7748 §6.1).
    func x25519PublicKey(privateKey: Bytes32) -> Bytes32

    /// X25519 shared secret; rejects an all-zero result (low-order public key).
    func x25519(privateKey: Bytes32, publicKey: Bytes32) throws(CryptoError) -> Bytes32

    /// P-256 public key (affine x, y) for a private key in [1, n-1].
    func p256PublicKey(privateKey: Bytes32) throws(CryptoError) -> (x: Bytes32, y: Bytes32)

    /// P-256 ECDH with a peer public key given by its x-coordinate only, as EDHOC sends it
    /// (RFC 9528 §3.7; the result's x-coordinate does not depend on the sign of y).
    /// Rejects an x that is not below p or is not the x of a curve point.
    func p256ECDH(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32

    /// Fills `buffer` from the provider's random source.
    mutating func fillRandom(_ buffer: inout MutableSpan<UInt8>)
}

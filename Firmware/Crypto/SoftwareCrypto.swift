/// The device backend of `CryptoProvider`: this module's constant-time Swift primitives,
/// with randomness from a `RandomSource` the caller supplies (on a board, an HMAC-DRBG
/// seeded from its TRNG; in tests, a fixed-seed DRBG so runs repeat).
public struct SoftwareCrypto<Random: RandomSource>: CryptoProvider {
    public var random: Random

    public init(random: Random) {
        self.random = random
    }

    public func sha256(_ message: Span<UInt8>) -> Bytes32 {
        SHA256.hash(message)
    }

    public func hmacSHA256(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32 {
        HMACSHA256.authenticationCode(key: key, message: message)
    }

    public func hkdfExtract(salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32 {
        HKDF.extract(salt: salt, ikm: ikm)
    }

    public func hkdfExpand(prk: Span<UInt8>, info: Span<UInt8>, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        try HKDF.expand(prk: prk, info: info, into: &output)
    }

    public func aesCCMSeal(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, plaintext: Span<UInt8>,
                           tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        var cipher = AES128(key: key)
        defer { cipher.wipe() }
        try CCM(cipher: cipher, tagLength: tagLength).seal(nonce: nonce, aad: aad, plaintext: plaintext, into: &output)
    }

    public func aesCCMOpen(key: Bytes16, nonce: Span<UInt8>, aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>,
                           tagLength: Int, into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        var cipher = AES128(key: key)
        defer { cipher.wipe() }
        try CCM(cipher: cipher, tagLength: tagLength)
            .open(nonce: nonce, aad: aad, ciphertextAndTag: ciphertextAndTag, into: &output)
    }

    public func x25519PublicKey(privateKey: Bytes32) -> Bytes32 {
        X25519.publicKey(privateKey: privateKey)
    }

    public func x25519(privateKey: Bytes32, publicKey: Bytes32) throws(CryptoError) -> Bytes32 {
        try X25519.sharedSecret(privateKey: privateKey, publicKey: publicKey)
    }

    public func p256PublicKey(privateKey: Bytes32) throws(CryptoError) -> (x: Bytes32, y: Bytes32) {
        let key = try P256.publicKey(privateKey: privateKey)
        return (key.x, key.y)
    }

    public func p256ECDH(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32 {
        try P256.ecdh(privateKey: privateKey, publicKeyX: publicKeyX)
    }

    public mutating func fillRandom(_ buffer: inout MutableSpan<UInt8>) {
        random.fill(&buffer)
    }
}

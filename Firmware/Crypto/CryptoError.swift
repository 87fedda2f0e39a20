/// What a crypto operation rejected. Every input an attacker controls is checked and
/// answered with one of these; nothing traps on it.
public enum CryptoError: Error, Equatable, Sendable {
    /// A buffer had the wrong length for the operation (key, nonce, tag, output).
    case invalidLength
    /// A private key is out of range (P-256: zero or not below the group order n).
    case invalidPrivateKey
    /// A public key is malformed, not on the curve, the point at infinity, or has a
    /// coordinate not below the field prime.
    case invalidPublicKey
    /// The Diffie-Hellman result is all zeros (X25519 low-order input, RFC 7748 §6.1).
    case weakSharedSecret
    /// An AEAD tag did not verify. The plaintext buffer has been wiped.
    case authenticationFailed
    /// A request exceeds a limit of the algorithm (HKDF output over 255 × 32 bytes,
    /// a DRBG request over its maximum, a DRBG that needs reseeding).
    case limitExceeded
}

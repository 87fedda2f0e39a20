/// What a libsodium wrapper rejected.
public enum SodiumError: Error, Equatable, Sendable {
    /// `sodium_init()` failed (it returns -1 when, for example, no entropy source can be
    /// opened). Nothing in libsodium may be used afterwards.
    case initializationFailed
    /// A buffer had the wrong length for the operation.
    case invalidLength
    /// X25519 produced the all-zero output: the peer's u-coordinate has small order
    /// (RFC 7748 §6.1), and libsodium refuses it.
    case weakSharedSecret
    /// A secretbox did not authenticate under the key and nonce. The output has been wiped.
    case authenticationFailed
}

// Typed Swift wrappers over the parts of libsodium the gateway uses (Debian's libsodium23).
import CSodium
import RampartCrypto

/// A secretbox nonce (XSalsa20, 24 bytes).
public typealias Bytes24 = InlineArray<24, UInt8>

/// `sodium_init()`'s status, computed once: a global's initialiser runs exactly once, under
/// `swift_once`, whichever thread reaches it first. 0 is "initialised now", 1 "already
/// initialised", -1 failure.
private let sodiumInitializationStatus: Int32 = sodium_init()

/// Proof that libsodium is initialised, and the typed wrappers over it.
///
/// A value exists only once `sodium_init()` has succeeded, so its methods never check again.
/// It holds no state: copies are free and may cross threads.
public struct Sodium: Sendable {
    /// Bytes of an Ed25519 signature (RFC 8032 §5.1.6).
    public static let ed25519SignatureByteCount = 64
    /// Bytes of a secretbox (XSalsa20-Poly1305) authentication tag, prepended to the ciphertext.
    public static let secretboxTagByteCount = 16

    /// Initialises libsodium on first use, from any thread.
    ///
    /// - Throws: `SodiumError.initializationFailed` when `sodium_init()` fails.
    public init() throws(SodiumError) {
        guard sodiumInitializationStatus >= 0 else { throw .initializationFailed }
    }

    // MARK: Random bytes

    /// Fills `buffer` from the operating system's CSPRNG (`randombytes_buf`; `getrandom(2)` on
    /// Linux).
    public func randomBytes(into buffer: inout MutableSpan<UInt8>) {
        buffer.withSodiumPointer { pointer, count in randombytes_buf(pointer, count) }
    }

    // MARK: Hashing

    /// SHA-256 (FIPS 180-4) of `message` (`crypto_hash_sha256`).
    public func sha256(_ message: Span<UInt8>) -> Bytes32 {
        var digest = Bytes32.zero
        message.withSodiumPointer { input, count in
            digest.withSodiumPointer { output in
                // Cannot fail: libsodium's SHA-256 always returns 0.
                _ = crypto_hash_sha256(output, input, UInt64(count))
            }
        }
        return digest
    }

    /// HMAC-SHA-256 (RFC 2104) of `message` under a key of any length.
    public func hmacSHA256(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32 {
        var mac = hmacSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// A streaming HMAC-SHA-256 keyed with `key` (`crypto_auth_hmacsha256_init`). Copies of
    /// the keyed value MAC several messages under one key.
    public func hmacSHA256(key: Span<UInt8>) -> SodiumHMACSHA256 {
        SodiumHMACSHA256(key: key)
    }

    // MARK: X25519

    /// X25519(k, u) (RFC 7748 §5) through `crypto_scalarmult`, which clamps the scalar and
    /// ignores bit 255 of u.
    ///
    /// - Throws: `SodiumError.weakSharedSecret` when the result would be all zeros; libsodium
    ///   refuses small-order u-coordinates.
    public func x25519(scalar: Bytes32, uCoordinate: Bytes32) throws(SodiumError) -> Bytes32 {
        var result = Bytes32.zero
        let status = scalar.span.withSodiumPointer { n, _ in
            uCoordinate.span.withSodiumPointer { p, _ in
                result.withSodiumPointer { q in crypto_scalarmult(q, n, p) }
            }
        }
        guard status == 0 else {
            result.wipe()
            throw .weakSharedSecret
        }
        return result
    }

    /// The X25519 public key X25519(k, 9) (RFC 7748 §6.1) through `crypto_scalarmult_base`.
    public func x25519PublicKey(privateKey: Bytes32) -> Bytes32 {
        var publicKey = Bytes32.zero
        privateKey.span.withSodiumPointer { n, _ in
            publicKey.withSodiumPointer { q in
                // Cannot fail: the base point has large order, so the result is never zero.
                _ = crypto_scalarmult_base(q, n)
            }
        }
        return publicKey
    }

    // MARK: Ed25519

    /// The Ed25519 key pair for a 32-byte seed, the RFC 8032 §5.1.5 private key
    /// (`crypto_sign_seed_keypair`).
    public func ed25519KeyPair(seed: Bytes32) -> Ed25519KeyPair {
        var publicKey = Bytes32.zero
        var secretKey = Bytes64.zero
        seed.span.withSodiumPointer { seedPointer, _ in
            publicKey.withSodiumPointer { pk in
                secretKey.withSodiumPointer { sk in
                    // Cannot fail: key derivation is a hash and a base-point multiplication.
                    _ = crypto_sign_seed_keypair(pk, sk, seedPointer)
                }
            }
        }
        return Ed25519KeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The Ed25519 signature of `message` (RFC 8032 §5.1.6, `crypto_sign_detached`).
    public func ed25519Signature(for message: Span<UInt8>, keyPair: Ed25519KeyPair) -> Bytes64 {
        var signature = Bytes64.zero
        message.withSodiumPointer { m, count in
            keyPair.secretKey.span.withSodiumPointer { sk, _ in
                signature.withSodiumPointer { sig in
                    // Cannot fail: signing is deterministic hashing and scalar arithmetic.
                    _ = crypto_sign_detached(sig, nil, m, UInt64(count), sk)
                }
            }
        }
        return signature
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` under `publicKey`
    /// (RFC 8032 §5.1.7, `crypto_sign_verify_detached`; non-canonical S and small-order
    /// public keys are rejected).
    public func isValidEd25519Signature(_ signature: Bytes64, for message: Span<UInt8>,
                                        publicKey: Bytes32) -> Bool {
        let status = signature.span.withSodiumPointer { sig, _ in
            message.withSodiumPointer { m, count in
                publicKey.span.withSodiumPointer { pk, _ in
                    crypto_sign_verify_detached(sig, m, UInt64(count), pk)
                }
            }
        }
        return status == 0
    }

    // MARK: Secretbox

    /// Encrypts and authenticates `plaintext` with XSalsa20-Poly1305 (`crypto_secretbox_easy`).
    /// `output` receives the 16-byte tag followed by the ciphertext:
    /// `plaintext.count + secretboxTagByteCount` bytes. A nonce must never repeat under a key.
    ///
    /// - Throws: `SodiumError.invalidLength` when `output` has the wrong size.
    public func secretboxSeal(_ plaintext: Span<UInt8>, nonce: Bytes24, key: Bytes32,
                              into output: inout MutableSpan<UInt8>) throws(SodiumError) {
        guard output.count == plaintext.count + Self.secretboxTagByteCount else { throw .invalidLength }
        plaintext.withSodiumPointer { m, count in
            nonce.span.withSodiumPointer { n, _ in
                key.span.withSodiumPointer { k, _ in
                    output.withSodiumPointer { c, _ in
                        // Cannot fail for messages below crypto_secretbox_MESSAGEBYTES_MAX (2^64 − 17).
                        _ = crypto_secretbox_easy(c, m, UInt64(count), n, k)
                    }
                }
            }
        }
    }

    /// Verifies and decrypts a box made by `secretboxSeal` (`crypto_secretbox_open_easy`).
    /// `output` receives `box.count - secretboxTagByteCount` bytes.
    ///
    /// - Throws: `SodiumError.invalidLength` when `box` is shorter than a tag or `output` has
    ///   the wrong size; `SodiumError.authenticationFailed` when the tag does not verify, with
    ///   `output` wiped.
    public func secretboxOpen(_ box: Span<UInt8>, nonce: Bytes24, key: Bytes32,
                              into output: inout MutableSpan<UInt8>) throws(SodiumError) {
        guard box.count >= Self.secretboxTagByteCount,
              output.count == box.count - Self.secretboxTagByteCount else { throw .invalidLength }
        let status = box.withSodiumPointer { c, count in
            nonce.span.withSodiumPointer { n, _ in
                key.span.withSodiumPointer { k, _ in
                    output.withSodiumPointer { m, _ in
                        crypto_secretbox_open_easy(m, c, UInt64(count), n, k)
                    }
                }
            }
        }
        guard status == 0 else {
            Sodium.memzero(&output)
            throw .authenticationFailed
        }
    }

    // MARK: Wiping

    /// Zeroes `buffer` with `sodium_memzero`, which the compiler may not elide.
    public static func memzero(_ buffer: inout MutableSpan<UInt8>) {
        buffer.withSodiumPointer { pointer, count in sodium_memzero(pointer, count) }
    }
}

/// An Ed25519 key pair (RFC 8032 §5.1.5). libsodium's 64-byte secret key is the seed followed
/// by the public key; it stays inside this module and is zeroed by `wipe()`.
public struct Ed25519KeyPair: Sendable {
    /// The encoded public key A (RFC 8032 §5.1.5 step 4).
    public let publicKey: Bytes32
    var secretKey: Bytes64

    init(publicKey: Bytes32, secretKey: Bytes64) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Zeroes the secret key; the pair can no longer sign correctly afterwards.
    public mutating func wipe() {
        secretKey.wipe()
    }
}

/// HMAC-SHA-256 over libsodium's `crypto_auth_hmacsha256_*` streaming API, which takes keys of
/// any length (RFC 2104 §2: longer than 64 bytes are hashed first). Made by
/// `Sodium.hmacSHA256(key:)`.
public struct SodiumHMACSHA256 {
    private var state = crypto_auth_hmacsha256_state()

    init(key: Span<UInt8>) {
        key.withSodiumPointer { k, count in
            // Cannot fail: initialisation hashes and pads the key.
            _ = crypto_auth_hmacsha256_init(&state, k, count)
        }
    }

    /// Absorbs `data` into the inner hash.
    public mutating func update(_ data: Span<UInt8>) {
        data.withSodiumPointer { input, count in
            _ = crypto_auth_hmacsha256_update(&state, input, UInt64(count))
        }
    }

    /// The 32-byte tag. libsodium zeroes the state afterwards.
    public mutating func finalize() -> Bytes32 {
        var tag = Bytes32.zero
        tag.withSodiumPointer { output in
            _ = crypto_auth_hmacsha256_final(&state, output)
        }
        return tag
    }

    /// Zeroes the keyed state, for a value dropped without `finalize`.
    public mutating func wipe() {
        withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) }
    }
}

// libsodium declares its pointer arguments `nonnull` even for zero lengths, while an empty
// Swift buffer has no address; these helpers hand out a valid address in every case.

extension Span where Element == UInt8 {
    func withSodiumPointer<Result>(_ body: (UnsafePointer<UInt8>, Int) -> Result) -> Result {
        withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
    }
}

extension MutableSpan where Element == UInt8 {
    mutating func withSodiumPointer<Result>(_ body: (UnsafeMutablePointer<UInt8>, Int) -> Result) -> Result {
        withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            var placeholder: UInt8 = 0
            return withUnsafeMutablePointer(to: &placeholder) { body($0, 0) }
        }
    }
}

extension InlineArray where Element == UInt8 {
    mutating func withSodiumPointer<Result>(_ body: (UnsafeMutablePointer<UInt8>) -> Result) -> Result {
        var span = mutableSpan
        return span.withSodiumPointer { pointer, _ in body(pointer) }
    }
}

/// HMAC with SHA-256 (RFC 2104 §2, FIPS 198-1 §4), streaming.
///
/// Both hash states are keyed at initialisation, so a keyed value can be copied to MAC
/// several messages under one key without re-hashing the padded key.
public struct HMACSHA256 {
    /// ipad and opad (RFC 2104 §2).
    static let innerPad: UInt8 = 0x36
    static let outerPad: UInt8 = 0x5c

    /// H(K XOR ipad, ...) in progress.
    var inner: SHA256
    /// H(K XOR opad, ...), waiting for the inner digest.
    var outer: SHA256

    /// Keys longer than the 64-byte block are hashed first (RFC 2104 §2); shorter keys are
    /// padded with zeros. The branch is on the key's length, which is public.
    @export(interface)
    public init(key: Span<UInt8>) {
        var paddedKey = Bytes64.zero
        if key.count > SHA256.blockByteCount {
            var hashedKey = SHA256.hash(key)
            for i in 0..<SHA256.digestByteCount { paddedKey[i] = hashedKey[i] }
            hashedKey.wipe()
        } else {
            for i in 0..<key.count { paddedKey[i] = key[i] }
        }

        var pad = Bytes64.zero
        for i in 0..<SHA256.blockByteCount { pad[i] = paddedKey[i] ^ HMACSHA256.innerPad }
        inner = SHA256()
        inner.update(pad.span)
        for i in 0..<SHA256.blockByteCount { pad[i] = paddedKey[i] ^ HMACSHA256.outerPad }
        outer = SHA256()
        outer.update(pad.span)
        pad.wipe()
        paddedKey.wipe()
    }

    @export(interface)
    public mutating func update(_ data: Span<UInt8>) {
        inner.update(data)
    }

    /// The 32-byte tag; wipes both hash states afterwards.
    @export(interface)
    public mutating func finalize() -> Bytes32 {
        var innerDigest = inner.finalize()
        outer.update(innerDigest.span)
        innerDigest.wipe()
        return outer.finalize()
    }

    @export(interface)
    public static func authenticationCode(key: Span<UInt8>, message: Span<UInt8>) -> Bytes32 {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// Zeroes both keyed hash states, for a keyed value that is dropped without `finalize`.
    @export(interface)
    public mutating func wipe() {
        inner.wipe()
        outer.wipe()
    }
}

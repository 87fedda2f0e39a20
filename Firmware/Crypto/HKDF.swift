/// HKDF with HMAC-SHA-256 (RFC 5869).
public enum HKDF {
    /// HashLen (RFC 5869 §2.1).
    public static let hashByteCount = SHA256.digestByteCount
    /// L ≤ 255 × HashLen (RFC 5869 §2.3).
    public static let maxOutputByteCount = 255 * 32

    /// HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM).
    ///
    /// An empty salt stands for HashLen zero bytes; HMAC pads its key with zeros to the
    /// block size (RFC 2104 §2), so the empty key and 32 zero bytes give the same PRK.
    @export(interface)
    public static func extract(salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32 {
        HMACSHA256.authenticationCode(key: salt, message: ikm)
    }

    /// HKDF-Expand (RFC 5869 §2.3), filling all of `output` (L = `output.count`).
    /// T(i) = HMAC-Hash(PRK, T(i-1) | info | i), with T(0) empty.
    @export(interface)
    public static func expand(prk: Span<UInt8>, info: Span<UInt8>,
                              into output: inout MutableSpan<UInt8>) throws(CryptoError) {
        guard output.count <= maxOutputByteCount else { throw .limitExceeded }
        guard prk.count >= hashByteCount else { throw .invalidLength }

        var keyed = HMACSHA256(key: prk)
        var t = Bytes32.zero
        var counter = InlineArray<1, UInt8>(repeating: 0)
        var written = 0
        while written < output.count {
            counter[0] &+= 1
            var mac = keyed
            if counter[0] > 1 { mac.update(t.span) }
            mac.update(info)
            mac.update(counter.span)
            t = mac.finalize()
            var i = 0
            while i < hashByteCount && written < output.count {
                output[written] = t[i]
                written &+= 1
                i &+= 1
            }
        }
        t.wipe()
        keyed.wipe()
    }
}

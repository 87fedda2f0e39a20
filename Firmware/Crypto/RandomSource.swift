/// Anything that fills buffers with random bytes: a board's RNG peripheral, an HMAC-DRBG,
/// or the host's libsodium. Whether it is a true RNG is said by the conforming type's
/// documentation, never assumed here.
public protocol RandomSource {
    mutating func fill(_ buffer: inout MutableSpan<UInt8>)
}

extension RandomSource {
    /// 32 random bytes.
    @inlinable
    public mutating func bytes32() -> Bytes32 {
        var out = Bytes32.zero
        var span = out.mutableSpan
        fill(&span)
        return out
    }
}

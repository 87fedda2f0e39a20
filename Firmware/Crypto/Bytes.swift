// Fixed-size byte strings used across the crypto core. Inline storage: no heap, on the
// board or the host.

public typealias Bytes16 = InlineArray<16, UInt8>
public typealias Bytes32 = InlineArray<32, UInt8>
public typealias Bytes64 = InlineArray<64, UInt8>

extension InlineArray where Element == UInt8 {
    /// All-zero value.
    @inlinable
    public static var zero: Self { Self(repeating: 0) }

    /// Copies `bytes` into a new value; `bytes.count` must equal `count`.
    @inlinable
    public init(copying bytes: Span<UInt8>) throws(CryptoError) {
        guard bytes.count == Self.count else { throw .invalidLength }
        self.init(repeating: 0)
        for i in 0..<Self.count { self[i] = bytes[i] }
    }
}

/// Appends bytes into a caller's buffer (a `MutableSpan`), counting what it wrote and
/// refusing to write past the end. Encoders (CBOR, CoAP, framing) write through it, so
/// every output lands in a buffer whose size the caller chose.
public struct ByteWriter: ~Copyable, ~Escapable {
    var output: MutableSpan<UInt8>
    /// Bytes of `output` in use: those before the writer started plus those it wrote.
    public private(set) var count: Int

    /// A writer that appends to `output` from index `start` on.
    @_lifetime(copy output)
    public init(_ output: consuming MutableSpan<UInt8>, startingAt start: Int = 0) {
        precondition(start >= 0 && start <= output.count, "ByteWriter start beyond its buffer")
        self.output = output
        self.count = start
    }

    /// Bytes still free.
    public var remaining: Int { output.count - count }

    @_lifetime(self: copy self)
    public mutating func append(_ byte: UInt8) throws(ProtocolBufferError) {
        guard count < output.count else { throw .tooLong }
        output[count] = byte
        count += 1
    }

    @_lifetime(self: copy self)
    public mutating func append(_ bytes: Span<UInt8>) throws(ProtocolBufferError) {
        guard bytes.count <= output.count - count else { throw .tooLong }
        for i in 0..<bytes.count { output[count + i] = bytes[i] }
        count += bytes.count
    }

    /// Appends `count` bytes of `value`, most significant first.
    @_lifetime(self: copy self)
    public mutating func appendBigEndian(_ value: UInt32, byteCount: Int) throws(ProtocolBufferError) {
        guard byteCount <= output.count - count else { throw .tooLong }
        var shift = UInt32(byteCount - 1) &* 8
        for _ in 0..<byteCount {
            output[count] = UInt8(truncatingIfNeeded: value &>> shift)
            count += 1
            shift &-= 8
        }
    }
}

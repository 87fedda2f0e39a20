// CBOR reads with EDHOC's error type: a decoding failure aborts the session as a malformed
// message (RFC 9528 §6), carrying the CBOR rule that was broken.

extension CBORReader {
    /// Runs one read, mapping its `CBORError` to `EDHOCError.malformedMessage`.
    @_lifetime(self: copy self)
    mutating func edhoc<R>(_ read: (inout CBORReader) throws(CBORError) -> R) throws(EDHOCError) -> R {
        do { return try read(&self) } catch { throw .malformedMessage(error) }
    }

    func edhocPeek() throws(EDHOCError) -> CBORMajorType {
        do { return try peekMajorType() } catch { throw .malformedMessage(error) }
    }

    @_lifetime(self: copy self)
    mutating func edhocInt() throws(EDHOCError) -> Int32 {
        do { return try readInt() } catch { throw .malformedMessage(error) }
    }

    @_lifetime(copy self)
    mutating func edhocByteString() throws(EDHOCError) -> Span<UInt8> {
        do { return try readByteString() } catch { throw .malformedMessage(error) }
    }

    /// A byte string of exactly `length` bytes (a MAC, a public key).
    @_lifetime(copy self)
    mutating func edhocByteString(length: Int) throws(EDHOCError) -> Span<UInt8> {
        let bytes = try edhocByteString()
        guard bytes.count == length else { throw .malformedMessage(.outOfRange) }
        return bytes
    }

    func edhocFinish() throws(EDHOCError) {
        do { try finish() } catch { throw .malformedMessage(error) }
    }
}

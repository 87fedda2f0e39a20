import RampartCrypto

/// A byte string of at most `capacity` bytes, stored inline (no heap): messages,
/// credentials, connection identifiers and transcript inputs. `capacity` names the limit
/// the protocol code enforces; anything longer is rejected, never truncated.
public struct BoundedBytes<let capacity: Int>: Copyable, Sendable {
    @usableFromInline var storage: InlineArray<capacity, UInt8>
    /// How many bytes are in use (≤ `capacity`).
    public private(set) var count: Int

    /// An empty string.
    public init() {
        storage = InlineArray(repeating: 0)
        count = 0
    }

    /// A copy of `bytes`; throws `.tooLong` if they do not fit.
    public init(copying bytes: Span<UInt8>) throws(ProtocolBufferError) {
        self.init()
        try append(bytes)
    }

    public var isEmpty: Bool { count == 0 }

    /// The capacity, as a value.
    public static var maxCount: Int { capacity }

    /// The bytes in use.
    ///
    /// `@_transparent` works around a Swift 6.3.1 miscompile: once `BoundedBytes` is
    /// specialized for a concrete capacity (Embedded Swift specializes everything), this getter
    /// takes `self` by value, so the inlined body spans a temporary copy that is deallocated
    /// before the span is used (seen on the boards as message_2 carrying CRED_R's bytes).
    /// Inlined before specialization, the span is taken on the caller's own storage.
    public var span: Span<UInt8> {
        @_lifetime(borrow self)
        @_transparent
        borrowing get {
            let all = storage.span
            return _overrideLifetime(all.extracting(0..<count), borrowing: self)
        }
    }

    public subscript(index: Int) -> UInt8 {
        get {
            precondition(index >= 0 && index < count, "BoundedBytes index out of range")
            return storage[index]
        }
    }

    /// Appends `bytes`; throws `.tooLong` (and appends nothing) if they do not fit.
    public mutating func append(_ bytes: Span<UInt8>) throws(ProtocolBufferError) {
        guard bytes.count <= capacity - count else { throw .tooLong }
        for i in 0..<bytes.count { storage[count + i] = bytes[i] }
        count += bytes.count
    }

    /// Appends one byte; throws `.tooLong` if the string is full.
    public mutating func append(_ byte: UInt8) throws(ProtocolBufferError) {
        guard count < capacity else { throw .tooLong }
        storage[count] = byte
        count += 1
    }

    /// Runs `body` with a writer over the free space, then keeps what it wrote.
    public mutating func write<E: Error>(_ body: (inout ByteWriter) throws(E) -> Void) throws(E) {
        let start = count
        var written = start
        do {
            var writer = ByteWriter(storage.mutableSpan, startingAt: start)
            try body(&writer)
            written = writer.count
        }
        count = written
    }

    /// Removes every byte, zeroing the storage (some of these hold secrets).
    public mutating func removeAll() {
        storage.wipe()
        count = 0
    }

    /// Byte-wise equality of the used parts (not constant time; use `constantTimeEqual`
    /// for secrets).
    public func elementsEqual(_ other: Span<UInt8>) -> Bool {
        guard other.count == count else { return false }
        for i in 0..<count where storage[i] != other[i] { return false }
        return true
    }
}

/// A fixed buffer was too small for what had to go in it.
public enum ProtocolBufferError: Error, Equatable, Sendable {
    /// The data does not fit in the buffer's capacity.
    case tooLong
}

extension BoundedBytes {
    /// XORs the used bytes with the first `count` bytes of `keystream`.
    public mutating func xor(_ keystream: Span<UInt8>) {
        precondition(keystream.count >= count, "keystream shorter than the data")
        for i in 0..<count { storage[i] ^= keystream[i] }
    }
}

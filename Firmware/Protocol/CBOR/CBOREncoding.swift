// Deterministic CBOR encoding (RFC 8949 §4.2.1): shortest-form arguments, definite lengths.
// The encoder writes through a `ByteWriter`, so output goes to a buffer the caller sized.

extension ByteWriter {
    /// Writes an item head: major type and argument, in the shortest form.
    @_lifetime(self: copy self)
    public mutating func cborHead(_ major: CBORMajorType, _ argument: UInt32) throws(ProtocolBufferError) {
        let type = major.rawValue &<< 5
        if argument < 24 {
            try append(type | UInt8(truncatingIfNeeded: argument))
        } else if argument <= 0xFF {
            try append(type | 24)
            try append(UInt8(truncatingIfNeeded: argument))
        } else if argument <= 0xFFFF {
            try append(type | 25)
            try appendBigEndian(argument, byteCount: 2)
        } else {
            try append(type | 26)
            try appendBigEndian(argument, byteCount: 4)
        }
    }

    /// An unsigned integer (major type 0).
    @_lifetime(self: copy self)
    public mutating func cborUnsigned(_ value: UInt32) throws(ProtocolBufferError) {
        try cborHead(.unsignedInteger, value)
    }

    /// An integer: major type 0 for non-negative values, 1 (argument −1 − value) otherwise.
    @_lifetime(self: copy self)
    public mutating func cborInt(_ value: Int32) throws(ProtocolBufferError) {
        if value >= 0 {
            try cborHead(.unsignedInteger, UInt32(bitPattern: value))
        } else {
            try cborHead(.negativeInteger, UInt32(bitPattern: -1 - value))
        }
    }

    /// A byte string (major type 2).
    @_lifetime(self: copy self)
    public mutating func cborByteString(_ bytes: Span<UInt8>) throws(ProtocolBufferError) {
        try cborHead(.byteString, UInt32(truncatingIfNeeded: bytes.count))
        try append(bytes)
    }

    /// A text string (major type 3) from UTF-8 bytes.
    @_lifetime(self: copy self)
    public mutating func cborTextString(_ utf8: Span<UInt8>) throws(ProtocolBufferError) {
        try cborHead(.textString, UInt32(truncatingIfNeeded: utf8.count))
        try append(utf8)
    }

    /// A text string from a static string (labels such as "SALT", "OSCORE Master Secret").
    @_lifetime(self: copy self)
    public mutating func cborTextString(_ text: StaticString) throws(ProtocolBufferError) {
        try cborHead(.textString, UInt32(truncatingIfNeeded: text.utf8CodeUnitCount))
        let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for byte in bytes { try append(byte) }
    }

    /// The head of an array of `count` items; the items follow.
    @_lifetime(self: copy self)
    public mutating func cborArrayHeader(_ count: Int) throws(ProtocolBufferError) {
        try cborHead(.array, UInt32(truncatingIfNeeded: count))
    }

    /// The head of a map of `count` pairs; the keys and values follow.
    @_lifetime(self: copy self)
    public mutating func cborMapHeader(_ count: Int) throws(ProtocolBufferError) {
        try cborHead(.map, UInt32(truncatingIfNeeded: count))
    }

    /// `true` or `false` (simple values 21 and 20).
    @_lifetime(self: copy self)
    public mutating func cborBool(_ value: Bool) throws(ProtocolBufferError) {
        try append(value ? 0xF5 : 0xF4)
    }

    /// `null` (simple value 22).
    @_lifetime(self: copy self)
    public mutating func cborNull() throws(ProtocolBufferError) {
        try append(0xF6)
    }
}

/// A strict, non-allocating CBOR decoder over a byte span (RFC 8949, the deterministic
/// subset): definite lengths only, shortest-form arguments only, integers up to 32 bits,
/// no tags or floats, nesting bounded by `CBORLimits.maxDepth`. Strings come back as
/// sub-spans of the input, never copied.
public struct CBORReader: ~Escapable {
    public let input: Span<UInt8>
    /// Index of the next unread byte.
    public private(set) var offset: Int = 0

    @_lifetime(copy input)
    public init(_ input: Span<UInt8>) {
        self.input = input
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset == input.count }

    /// Throws `.trailingBytes` unless every byte has been read.
    public func finish() throws(CBORError) {
        guard isAtEnd else { throw .trailingBytes }
    }

    /// The major type of the next item, without consuming it.
    public func peekMajorType() throws(CBORError) -> CBORMajorType {
        guard offset < input.count else { throw .truncated }
        return CBORMajorType(rawValue: input[offset] &>> 5).unsafelyUnwrapped
    }

    /// Reads an item head and returns its major type and argument (for strings, arrays and
    /// maps the length, checked against the bytes that remain).
    @_lifetime(self: copy self)
    mutating func readHead() throws(CBORError) -> (major: CBORMajorType, argument: UInt32) {
        guard offset < input.count else { throw .truncated }
        let initial = input[offset]
        let major = CBORMajorType(rawValue: initial &>> 5).unsafelyUnwrapped
        let info = initial & 0x1F
        offset += 1
        var argument: UInt32
        switch info {
        case 0..<24:
            argument = UInt32(info)
        case 24, 25, 26, 27:
            // Floats (info 25-27 under major 7) are not part of the profile.
            if major == .simpleOrFloat && info != 24 { throw .unsupported }
            let byteCount = 1 << Int(info - 24)
            guard byteCount <= input.count - offset else { throw .truncated }
            if byteCount == 8 {
                // Only the skip path could use a 64-bit argument, and no value or length
                // that large fits in a message.
                throw .outOfRange
            }
            argument = 0
            for i in 0..<byteCount { argument = argument &<< 8 | UInt32(input[offset + i]) }
            offset += byteCount
            let minimum: UInt32 = byteCount == 1 ? 24 : (byteCount == 2 ? 0x100 : 0x1_0000)
            if major == .simpleOrFloat {
                // A one-byte simple value must be ≥ 32, and none of those is assigned.
                throw argument < 32 ? .nonMinimal : .unsupported
            }
            guard argument >= minimum else { throw .nonMinimal }
        case 31:
            throw major == .simpleOrFloat ? .unsupported : .indefiniteLength
        default:
            throw .unsupported
        }
        switch major {
        case .byteString, .textString:
            guard argument <= UInt32(truncatingIfNeeded: input.count - offset) else { throw .truncated }
        case .array, .map:
            // Each element takes at least one byte: a count beyond the input is a lie.
            guard argument <= UInt32(truncatingIfNeeded: input.count - offset) else { throw .truncated }
        case .tag:
            throw .unsupported
        default:
            break
        }
        return (major, argument)
    }

    /// Reads a head of the expected major type.
    @_lifetime(self: copy self)
    mutating func readHead(_ expected: CBORMajorType) throws(CBORError) -> UInt32 {
        let start = offset
        let head = try readHead()
        guard head.major == expected else {
            offset = start
            throw .wrongType
        }
        return head.argument
    }

    /// An unsigned integer (major type 0).
    @_lifetime(self: copy self)
    public mutating func readUnsigned() throws(CBORError) -> UInt32 {
        try readHead(.unsignedInteger)
    }

    /// An integer of major type 0 or 1 that fits in `Int32`.
    @_lifetime(self: copy self)
    public mutating func readInt() throws(CBORError) -> Int32 {
        let start = offset
        let head = try readHead()
        switch head.major {
        case .unsignedInteger:
            guard head.argument <= UInt32(Int32.max) else { offset = start; throw .outOfRange }
            return Int32(bitPattern: head.argument)
        case .negativeInteger:
            guard head.argument <= UInt32(Int32.max) else { offset = start; throw .outOfRange }
            return -1 - Int32(bitPattern: head.argument)
        default:
            offset = start
            throw .wrongType
        }
    }

    /// A byte string's contents.
    @_lifetime(copy self)
    public mutating func readByteString() throws(CBORError) -> Span<UInt8> {
        let length = Int(try readHead(.byteString))
        defer { offset += length }
        return input.extracting(offset..<(offset + length))
    }

    /// A text string's UTF-8 bytes (not validated as UTF-8; compared byte-wise by callers).
    @_lifetime(copy self)
    public mutating func readTextString() throws(CBORError) -> Span<UInt8> {
        let length = Int(try readHead(.textString))
        defer { offset += length }
        return input.extracting(offset..<(offset + length))
    }

    /// An array head; returns the number of items that follow.
    @_lifetime(self: copy self)
    public mutating func readArrayHeader() throws(CBORError) -> Int {
        Int(try readHead(.array))
    }

    /// A map head; returns the number of key/value pairs that follow.
    @_lifetime(self: copy self)
    public mutating func readMapHeader() throws(CBORError) -> Int {
        Int(try readHead(.map))
    }

    /// `true` or `false`.
    @_lifetime(self: copy self)
    public mutating func readBool() throws(CBORError) -> Bool {
        guard offset < input.count else { throw .truncated }
        switch input[offset] {
        case 0xF4: offset += 1; return false
        case 0xF5: offset += 1; return true
        default: throw .wrongType
        }
    }

    /// Whether the next item is `null`; consumes it if so.
    @_lifetime(self: copy self)
    public mutating func readNullIfPresent() -> Bool {
        guard offset < input.count, input[offset] == 0xF6 else { return false }
        offset += 1
        return true
    }

    /// Skips one whole item (with everything nested in it) and returns its encoded bytes.
    @_lifetime(copy self)
    public mutating func readRawItem() throws(CBORError) -> Span<UInt8> {
        let start = offset
        try skipItem(depth: 0)
        return input.extracting(start..<offset)
    }

    /// Skips one whole item.
    @_lifetime(self: copy self)
    public mutating func skipItem() throws(CBORError) {
        try skipItem(depth: 0)
    }

    @_lifetime(self: copy self)
    mutating func skipItem(depth: Int) throws(CBORError) {
        guard depth < CBORLimits.maxDepth else { throw .tooDeep }
        if offset < input.count {
            // false, true, null: the simple values the profile allows.
            let initial = input[offset]
            if initial == 0xF4 || initial == 0xF5 || initial == 0xF6 {
                offset += 1
                return
            }
        }
        let head = try readHead()
        switch head.major {
        case .unsignedInteger, .negativeInteger:
            return
        case .byteString, .textString:
            offset += Int(head.argument)
        case .array:
            for _ in 0..<Int(head.argument) { try skipItem(depth: depth + 1) }
        case .map:
            for _ in 0..<Int(head.argument) {
                try skipItem(depth: depth + 1)
                try skipItem(depth: depth + 1)
            }
        case .tag, .simpleOrFloat:
            throw .unsupported
        }
    }
}

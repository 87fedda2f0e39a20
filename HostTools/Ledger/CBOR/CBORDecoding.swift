/// Strict decoding: only what `encoded()` produces is accepted. Anything else in a stored
/// entry means it was not written by a gateway (or was altered), so the decoder rejects
/// indefinite lengths, non-shortest arguments, unsorted or duplicate map keys, tags, floats,
/// simple values other than true and false, invalid UTF-8, trailing bytes, and nesting or
/// lengths past the limits.
extension CBORValue {
    /// Nesting deeper than this is rejected (the ledger's formats nest at most 4 deep).
    public static let maxDepth = 16
    /// Items in one array or map, and bytes in one string, at most.
    public static let maxLength = 1 << 20

    public static func decode(_ bytes: [UInt8]) throws(CBORDecodingError) -> CBORValue {
        var reader = CBORByteReader(bytes: bytes)
        let value = try reader.readValue(depth: 0)
        guard reader.offset == bytes.count else { throw .trailingBytes(offset: reader.offset) }
        return value
    }
}

public enum CBORDecodingError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int)
    case trailingBytes(offset: Int)
    case notDeterministic(offset: Int, String)
    case unsupported(offset: Int, String)
    case tooDeep(offset: Int)
    case tooLong(offset: Int)
    case invalidUTF8(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "CBOR ends inside an item at byte \(offset)"
        case .trailingBytes(let offset): "bytes follow the CBOR item at byte \(offset)"
        case .notDeterministic(let offset, let what): "not deterministic CBOR at byte \(offset): \(what)"
        case .unsupported(let offset, let what): "unsupported CBOR at byte \(offset): \(what)"
        case .tooDeep(let offset): "CBOR nested deeper than \(CBORValue.maxDepth) at byte \(offset)"
        case .tooLong(let offset): "CBOR length over \(CBORValue.maxLength) at byte \(offset)"
        case .invalidUTF8(let offset): "text string at byte \(offset) is not UTF-8"
        }
    }
}

private struct CBORByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func readValue(depth: Int) throws(CBORDecodingError) -> CBORValue {
        guard depth <= CBORValue.maxDepth else { throw .tooDeep(offset: offset) }
        let start = offset
        let initial = try readByte()
        let major = initial >> 5
        let additional = initial & 0x1F
        if major == 7 {
            switch additional {
            case 20: return .bool(false)
            case 21: return .bool(true)
            default: throw .unsupported(offset: start, "simple value or float (0x\(String(initial, radix: 16)))")
            }
        }
        if major == 6 { throw .unsupported(offset: start, "tag") }
        let argument = try readArgument(additional, at: start)
        switch major {
        case 0: return .unsigned(argument)
        case 1: return .negative(argument)
        case 2: return .bytes(try readBytes(argument, at: start))
        case 3:
            let utf8 = try readBytes(argument, at: start)
            guard let text = String(validating: utf8, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
            return .text(text)
        case 4:
            let count = try length(argument, at: start)
            var items: [CBORValue] = []
            items.reserveCapacity(min(count, 64))
            for _ in 0 ..< count { items.append(try readValue(depth: depth + 1)) }
            return .array(items)
        default: // 5, a map
            let count = try length(argument, at: start)
            var entries: [CBORMapEntry] = []
            entries.reserveCapacity(min(count, 64))
            var previousKey: ArraySlice<UInt8>? = nil
            for _ in 0 ..< count {
                let keyStart = offset
                let key = try readValue(depth: depth + 1)
                let keyBytes = bytes[keyStart ..< offset]
                if let previousKey, !previousKey.lexicographicallyPrecedes(keyBytes) {
                    throw .notDeterministic(offset: keyStart, "map keys out of order or repeated")
                }
                previousKey = keyBytes
                entries.append(CBORMapEntry(key: key, value: try readValue(depth: depth + 1)))
            }
            return .map(entries)
        }
    }

    private mutating func readByte() throws(CBORDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func readArgument(_ additional: UInt8, at start: Int) throws(CBORDecodingError) -> UInt64 {
        let byteCount: Int
        switch additional {
        case 0 ..< 24: return UInt64(additional)
        case 24: byteCount = 1
        case 25: byteCount = 2
        case 26: byteCount = 4
        case 27: byteCount = 8
        case 31: throw .unsupported(offset: start, "indefinite length")
        default: throw .unsupported(offset: start, "reserved additional information \(additional)")
        }
        var value: UInt64 = 0
        for _ in 0 ..< byteCount { value = value << 8 | UInt64(try readByte()) }
        let shortest: Bool = switch byteCount {
        case 1: value >= 24
        case 2: value > 0xFF
        case 4: value > 0xFFFF
        default: value > 0xFFFF_FFFF
        }
        guard shortest else { throw .notDeterministic(offset: start, "argument \(value) not in its shortest form") }
        return value
    }

    private func length(_ argument: UInt64, at start: Int) throws(CBORDecodingError) -> Int {
        guard argument <= UInt64(CBORValue.maxLength) else { throw .tooLong(offset: start) }
        return Int(argument)
    }

    private mutating func readBytes(_ argument: UInt64, at start: Int) throws(CBORDecodingError) -> [UInt8] {
        let count = try length(argument, at: start)
        guard bytes.count - offset >= count else { throw .truncated(offset: start) }
        defer { offset += count }
        return Array(bytes[offset ..< offset + count])
    }
}

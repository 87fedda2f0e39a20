/// A CBOR data item as the ledger stores it: the subset docs/ledger.md uses (unsigned and
/// negative integers, byte and text strings, arrays, maps, booleans), always encoded
/// deterministically (RFC 8949 §4.2.1) and decoded strictly.
///
/// The device-side codec (RampartProtocol's CBOR) writes into fixed buffers without a heap;
/// the ledger builds nested values of any shape on the host, so it has this small value tree.
public indirect enum CBORValue: Sendable, Hashable {
    case unsigned(UInt64)
    /// The negative integer −1 − n (major type 1 carries n).
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    /// Entries in any order: encoding sorts them by their keys' encoded bytes.
    case map([CBORMapEntry])
    case bool(Bool)

    /// `value` as an unsigned or negative integer.
    public static func int(_ value: Int64) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-(value + 1)))
    }

    /// A map with text keys (the ledger's bodies).
    public static func textMap(_ pairs: [(String, CBORValue)]) -> CBORValue {
        .map(pairs.map { CBORMapEntry(key: .text($0.0), value: $0.1) })
    }
}

public struct CBORMapEntry: Sendable, Hashable {
    public let key: CBORValue
    public let value: CBORValue

    public init(key: CBORValue, value: CBORValue) {
        self.key = key
        self.value = value
    }
}

// MARK: - Reading values

extension CBORValue {
    public var unsignedValue: UInt64? {
        if case .unsigned(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int64.max) ? Int64(value) : nil
        case .negative(let value): value <= UInt64(Int64.max) ? -1 - Int64(value) : nil
        default: nil
        }
    }

    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var arrayValue: [CBORValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var mapEntries: [CBORMapEntry]? {
        if case .map(let value) = self { return value }
        return nil
    }

    /// The value under text key `key` of a map.
    public subscript(key: String) -> CBORValue? {
        mapEntries?.first { $0.key == .text(key) }?.value
    }
}

/// Deterministic encoding (RFC 8949 §4.2.1): shortest argument forms, definite lengths, map
/// keys sorted by the bytewise order of their encodings. Equal values always give equal bytes,
/// which is what makes a signature over an entry reproducible by every verifier.
extension CBORValue {
    public func encoded() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        encode(into: &output)
        return output
    }

    public func encode(into output: inout [UInt8]) {
        switch self {
        case .unsigned(let value):
            CBORValue.appendHead(major: 0, argument: value, to: &output)
        case .negative(let value):
            CBORValue.appendHead(major: 1, argument: value, to: &output)
        case .bytes(let bytes):
            CBORValue.appendHead(major: 2, argument: UInt64(bytes.count), to: &output)
            output.append(contentsOf: bytes)
        case .text(let text):
            let utf8 = Array(text.utf8)
            CBORValue.appendHead(major: 3, argument: UInt64(utf8.count), to: &output)
            output.append(contentsOf: utf8)
        case .array(let items):
            CBORValue.appendHead(major: 4, argument: UInt64(items.count), to: &output)
            for item in items { item.encode(into: &output) }
        case .map(let entries):
            CBORValue.appendHead(major: 5, argument: UInt64(entries.count), to: &output)
            let encodedEntries = entries.map { (key: $0.key.encoded(), value: $0.value) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for entry in encodedEntries {
                output.append(contentsOf: entry.key)
                entry.value.encode(into: &output)
            }
        case .bool(let value):
            output.append(value ? 0xF5 : 0xF4)
        }
    }

    /// The initial byte and the shortest argument (RFC 8949 §3, §4.2.1).
    static func appendHead(major: UInt8, argument: UInt64, to output: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0 ..< 24:
            output.append(type | UInt8(argument))
        case 24 ... 0xFF:
            output.append(type | 24)
            output.append(UInt8(argument))
        case 0x100 ... 0xFFFF:
            output.append(type | 25)
            appendBigEndian(argument, byteCount: 2, to: &output)
        case 0x1_0000 ... 0xFFFF_FFFF:
            output.append(type | 26)
            appendBigEndian(argument, byteCount: 4, to: &output)
        default:
            output.append(type | 27)
            appendBigEndian(argument, byteCount: 8, to: &output)
        }
    }

    private static func appendBigEndian(_ value: UInt64, byteCount: Int, to output: inout [UInt8]) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}

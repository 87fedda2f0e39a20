/// Why bytes are not a valid ledger item (signed entry, tree head, block, body). Each case
/// says what is wrong with the item; where it sits in the log is added by whoever read it
/// (`LedgerProblem`).
public enum LedgerFormatError: Error, Equatable, CustomStringConvertible {
    /// Not deterministic CBOR, or not CBOR at all.
    case cbor(CBORDecodingError)
    /// CBOR, but not the shape docs/ledger.md gives the item.
    case malformed(item: String, reason: String)
    /// An entry type this version does not know (`EntryType`).
    case unknownEntryType(UInt64)
    /// A body that does not match its type's keys and value types.
    case invalidBody(EntryType, reason: String)

    public var description: String {
        switch self {
        case .cbor(let error): "not canonical CBOR: \(error)"
        case .malformed(let item, let reason): "not a valid \(item): \(reason)"
        case .unknownEntryType(let type): "unknown entry type \(type) (this rampart knows 1 to \(EntryType.allCases.count))"
        case .invalidBody(let type, let reason): "invalid \(type) body: \(reason)"
        }
    }
}

/// What a strict CBOR decoder (RFC 8949) rejects. Every byte an attacker sends goes through
/// it; each case says which rule the input broke, and nothing traps.
public enum CBORError: Error, Equatable, Sendable {
    /// The input ends inside an item.
    case truncated
    /// An item of another major type (or simple value) than the protocol expects.
    case wrongType
    /// An argument not in the shortest form (RFC 8949 §4.2.1, deterministic encoding).
    case nonMinimal
    /// Indefinite-length items, which the protocols here never use.
    case indefiniteLength
    /// A value outside the range the caller accepts (integers beyond 32 bits, lengths
    /// beyond the input).
    case outOfRange
    /// Nesting deeper than `CBORLimits.maxDepth`.
    case tooDeep
    /// Bytes left over after the last expected item (RFC 9528 §3.1 and §5: messages are
    /// CBOR sequences with exactly the listed elements).
    case trailingBytes
    /// Tags, floating-point values, reserved additional information (28-30) or unassigned
    /// simple values: not part of the profile.
    case unsupported
}

/// Limits of the decoder.
public enum CBORLimits {
    /// Deepest nesting `skipItem` follows (a CCS is 4 levels deep: map, cnf, COSE_Key, …).
    public static let maxDepth = 8
}

/// CBOR's eight major types (RFC 8949 §3.1).
public enum CBORMajorType: UInt8, Sendable {
    case unsignedInteger = 0
    case negativeInteger = 1
    case byteString = 2
    case textString = 3
    case array = 4
    case map = 5
    case tag = 6
    case simpleOrFloat = 7
}

/// A connection identifier (C_I, C_R) or a credential's kid: a byte string that EDHOC
/// sends in its compact form (RFC 9528 §3.3.2): a one-byte string whose byte is itself the
/// encoding of a CBOR int in -24..23 (0x00–0x17, 0x20–0x37) goes on the wire as that int;
/// any other string as a bstr.
public struct EDHOCIdentifier: Sendable, Equatable {
    var bytes: IdentifierStorage
    public private(set) var count: Int

    /// The identifier with these raw bytes.
    public init(_ raw: Span<UInt8>) throws(EDHOCError) {
        guard raw.count <= EDHOCLimits.maxIdentifierByteCount else { throw .tooLong }
        bytes = InlineArray(repeating: 0)
        count = raw.count
        for i in 0..<raw.count { bytes[i] = raw[i] }
    }

    /// The one-byte identifier `byte` (e.g. 0x37, which is sent as the int -24).
    public init(byte: UInt8) {
        bytes = InlineArray(repeating: 0)
        bytes[0] = byte
        count = 1
    }

    public var span: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get {
            let all = bytes.span
            return _overrideLifetime(all.extracting(0..<count), borrowing: self)
        }
    }

    public subscript(index: Int) -> UInt8 { bytes[index] }

    public static func == (a: EDHOCIdentifier, b: EDHOCIdentifier) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.bytes[i] != b.bytes[i] { return false }
        return true
    }

    /// Whether this identifier is sent as a one-byte CBOR int.
    var isCompactInt: Bool {
        count == 1 && (bytes[0] <= 0x17 || (bytes[0] >= 0x20 && bytes[0] <= 0x37))
    }

    /// Writes the compact form (`bstr / -24..23`).
    func encodeCompact(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        if isCompactInt {
            try writer.append(bytes[0])
        } else {
            try writer.cborByteString(span)
        }
    }

    /// Writes `ID_CRED_x = { 4 : kid }` (the map form used in MAC contexts, §5.3.2).
    func encodeIDCred(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborMapHeader(1)
        try writer.cborUnsigned(4)
        try writer.cborByteString(span)
    }

    /// Bytes of the compact form.
    var compactByteCount: Int { isCompactInt ? 1 : 1 + count }

    /// Reads the compact form. A one-byte bstr that should have been an int is a surplus
    /// encoding (RFC 9529 §4.1.2) and is rejected, as is an int outside -24..23.
    static func readCompact(from reader: inout CBORReader) throws(EDHOCError) -> EDHOCIdentifier {
        switch try reader.edhocPeek() {
        case .unsignedInteger, .negativeInteger:
            let start = reader.offset
            let value = try reader.edhocInt()
            guard value >= -24 && value <= 23 else { throw .malformedMessage(.outOfRange) }
            return EDHOCIdentifier(byte: reader.input[start])
        case .byteString:
            let raw = try reader.edhocByteString()
            let identifier = try EDHOCIdentifier(raw)
            guard !identifier.isCompactInt else { throw .malformedMessage(.nonMinimal) }
            return identifier
        case .map:
            // A full ID_CRED map where the compact kid form is required, or another kind
            // of credential reference (x5t, …): not part of this profile.
            throw .unsupportedCredential
        default:
            throw .malformedMessage(.wrongType)
        }
    }
}

/// External authorization data (RFC 9528 §3.8): a sequence of items `ead_label: int,
/// ? ead_value: bstr`. A negative label marks a critical item: an endpoint that does not
/// understand it must abort. Rampart passes EAD through to the application unchanged.
public enum EAD {
    /// ead_label 0: padding, never critical.
    public static let paddingLabel: Int32 = 0

    /// Checks that `items` is a well-formed EAD sequence whose critical items all satisfy
    /// `understood` (called with the label's absolute value), and that it fits `EDHOCLimits.maxEADByteCount`.
    public static func validate(_ items: Span<UInt8>, understood: (Int32) -> Bool) throws(EDHOCError) {
        guard items.count <= EDHOCLimits.maxEADByteCount else { throw .tooLong }
        var reader = CBORReader(items)
        while !reader.isAtEnd {
            let label = try reader.edhocInt()
            guard label != Int32.min else { throw .malformedMessage(.outOfRange) }
            if label < 0 && !understood(-label) { throw .criticalEADNotUnderstood }
            if !reader.isAtEnd, try reader.edhocPeek() == .byteString {
                _ = try reader.edhocByteString()
            }
        }
    }

    /// The default policy: no EAD label is understood, so any critical item aborts.
    public static func understandsNone(_ label: Int32) -> Bool { false }
}

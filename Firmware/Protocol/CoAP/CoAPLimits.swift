/// The fixed numbers of the CoAP message format (RFC 7252 §3) and the bounds this codec
/// enforces.
public enum CoAPLimits {
    /// The only Version defined (RFC 7252 §3).
    public static let version: UInt8 = 1
    /// Version, Type, Token Length, Code and Message ID.
    public static let headerLength = 4
    /// Tokens are 0…8 bytes (RFC 7252 §3); lengths 9…15 are reserved.
    public static let tokenLengthMax = 8
    /// Option numbers are 16-bit (RFC 7252 §3.1).
    public static let optionNumberMax = 65535
    /// Options one message may carry here. The profile's messages carry at most a handful
    /// (Uri-Path ×2, Content-Format, OSCORE, Echo, Uri-Host, Max-Age…); a bound keeps a
    /// hostile message from costing more than it should.
    public static let optionCountMax = 16
    /// Separates options from the payload (RFC 7252 §3).
    public static let payloadMarker: UInt8 = 0xFF
    /// A uint option value has at most 4 bytes (RFC 7252 §3.2).
    public static let uintValueLengthMax = 4
    /// A nibble value that means "one extra byte, minus 13" (RFC 7252 §3.1).
    static let nibbleOneByte: UInt8 = 13
    /// A nibble value that means "two extra bytes, minus 269" (RFC 7252 §3.1).
    static let nibbleTwoBytes: UInt8 = 14
    /// The reserved nibble value (RFC 7252 §3.1).
    static let nibbleReserved: UInt8 = 15
    /// Offset of the one-byte extended form.
    static let oneByteOffset = 13
    /// Offset of the two-byte extended form.
    static let twoByteOffset = 269
}

/// Content-Format identifiers (RFC 7252 §12.3, "CoAP Content-Formats" registry).
public enum CoAPContentFormat {
    public static let textPlain: UInt16 = 0
    public static let linkFormat: UInt16 = 40
    public static let octetStream: UInt16 = 42
    public static let json: UInt16 = 50
    /// application/cbor (RFC 8949).
    public static let cbor: UInt16 = 60
    /// application/edhoc+cbor-seq: an EDHOC message (RFC 9528 §10.9, Appendix A.2).
    public static let edhocCBORSeq: UInt16 = 64
    /// application/cid-edhoc+cbor-seq: an EDHOC message prefixed with a connection
    /// identifier or `true` (RFC 9528 §10.9, Appendix A.2).
    public static let cidEDHOCCBORSeq: UInt16 = 65
    /// application/oscore (RFC 8613 §13.6).
    public static let oscore: UInt16 = 10001
}

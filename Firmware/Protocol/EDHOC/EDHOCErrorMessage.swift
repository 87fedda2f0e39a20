/// The EDHOC error message (RFC 9528 §6): `( ERR_CODE : int, ERR_INFO : any )`.
/// ERR_CODE 1 carries a diagnostic text, 2 carries SUITES_R, 3 carries `true`.
public struct EDHOCErrorMessage: Sendable {
    public static let unspecifiedError: Int32 = 1
    public static let wrongSelectedCipherSuite: Int32 = 2
    public static let unknownCredentialReferenced: Int32 = 3

    public let code: Int32
    /// SUITES_R, for ERR_CODE 2.
    public let suitesR: EDHOCSuites?
    /// ERR_INFO's text for ERR_CODE 1 (the first `EDHOCLimits.maxDiagnosticByteCount` bytes;
    /// empty otherwise). The gateway says "quarantined" or "revoked" here (docs/gateway-protocol.md).
    public let diagnostic: DiagnosticStorage

    /// Parses an error message; nil if `message` is not one. EDHOC messages 2–4 start with
    /// a bstr and message_1 with METHOD followed by SUITES_I; an error is an int followed by
    /// exactly one ERR_INFO item (a message_1 has more items, so it does not parse).
    public init?(parsing message: Span<UInt8>) {
        var reader = CBORReader(message)
        guard let code = try? reader.readInt(), code != 0 else { return nil }
        var suitesR: EDHOCSuites? = nil
        var diagnostic = DiagnosticStorage()
        if code == Self.wrongSelectedCipherSuite {
            guard let suites = try? EDHOCSuites.read(from: &reader) else { return nil }
            suitesR = suites
        } else if code == Self.unspecifiedError, (try? reader.peekMajorType()) == .textString {
            guard let text = try? reader.readTextString() else { return nil }
            let kept = min(text.count, DiagnosticStorage.maxCount)
            diagnostic = (try? DiagnosticStorage(copying: text.extracting(0..<kept))) ?? DiagnosticStorage()
        } else {
            guard (try? reader.skipItem()) != nil else { return nil }
        }
        guard reader.isAtEnd else { return nil }
        self.code = code
        self.suitesR = suitesR
        self.diagnostic = diagnostic
    }

    /// Whether ERR_INFO is the text `expected` (ERR_CODE 1 only).
    public func diagnosticIs(_ expected: StaticString) -> Bool {
        guard code == Self.unspecifiedError, diagnostic.count == expected.utf8CodeUnitCount else { return false }
        let text = diagnostic.span
        var i = 0
        while i < text.count {
            if text[i] != expected.utf8Start[i] { return false }
            i += 1
        }
        return true
    }

    /// Writes `( 1, diagnostic )`: an unspecified error with a text for people.
    public static func writeUnspecified(_ diagnostic: StaticString, into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborInt(unspecifiedError)
        try writer.cborTextString(diagnostic)
    }

    /// Writes `( 2, SUITES_R )` (§6.3).
    public static func writeWrongSelectedCipherSuite(_ suitesR: EDHOCSuites, into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborInt(wrongSelectedCipherSuite)
        try suitesR.encode(into: &writer)
    }

    /// Writes `( 3, true )` (§6.4).
    public static func writeUnknownCredential(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborInt(unknownCredentialReferenced)
        try writer.cborBool(true)
    }
}

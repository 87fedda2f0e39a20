import RampartCrypto

extension EDHOCCredential {
    /// Writes a CCS (RFC 8392) for a public key, in the shape of RFC 9529's credentials:
    /// `{ 2: subject, 8: { 1: COSE_Key } }` with the COSE_Key's labels in deterministic order
    /// (RFC 8949 §4.2.1): kty (1), kid (2), crv (-1), x (-2) and, for P-256, y (-3).
    ///
    /// `y` is required for suite 2 (an EC2 key carries it) and ignored for suite 0.
    public static func writeCCS(suite: EDHOCCipherSuite, subject: Span<UInt8>, keyID: Span<UInt8>,
                                x: Bytes32, y: Bytes32?, into writer: inout ByteWriter) throws(EDHOCError) {
        guard keyID.count > 0, keyID.count <= EDHOCLimits.maxIdentifierByteCount else { throw .unsupportedCredential }
        let isEC2 = suite == .suite2
        if isEC2 && y == nil { throw .unsupportedCredential }
        do throws(ProtocolBufferError) {
            try writer.cborMapHeader(2)
            try writer.cborUnsigned(2)
            try writer.cborTextString(subject)
            try writer.cborUnsigned(UInt32(cwtConfirmation))
            try writer.cborMapHeader(1)
            try writer.cborUnsigned(UInt32(confirmationCOSEKey))
            try writer.cborMapHeader(isEC2 ? 5 : 4)
            try writer.cborInt(keyType)
            try writer.cborInt(isEC2 ? keyTypeEC2 : keyTypeOKP)
            try writer.cborInt(keyKeyID)
            try writer.cborByteString(keyID)
            try writer.cborInt(curve)
            try writer.cborInt(isEC2 ? curveP256 : curveX25519)
            try writer.cborInt(curveX)
            try writer.cborByteString(x.span)
            if isEC2, let y {
                try writer.cborInt(-3)
                try writer.cborByteString(y.span)
            }
        } catch {
            throw .bufferTooSmall
        }
    }
}

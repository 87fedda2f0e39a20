/// The Additional Authenticated Data (RFC 8613 §5.4):
///
///     AAD = Enc_structure = [ "Encrypt0", h'', external_aad ]
///     external_aad = bstr .cbor [ oscore_version, [ alg_aead ], request_kid,
///                                 request_piv, options ]
///
/// with options the Class I options — none are defined, so always h''.
enum OSCOREAAD {
    /// Upper bound of the encoding: 11 fixed bytes, a 1-byte bstr head, and an aad_array
    /// of at most 4 + (1 + 7) + (1 + 5) + 1 = 19 bytes.
    static let lengthMax = 32

    @inline(never) // shared by the four message paths
    static func make(requestKid: Span<UInt8>, requestPartialIV: Span<UInt8>) throws(OSCOREError) -> BoundedBytes<32> {
        // aad_array: array(5) head, version, [alg], two bstrs, empty options bstr.
        let aadArrayLength = 1 + 1 + 2 + (1 + requestKid.count) + (1 + requestPartialIV.count) + 1
        var aad = BoundedBytes<32>()
        do throws(ProtocolBufferError) {
            try aad.write { (w: inout ByteWriter) throws(ProtocolBufferError) in
                try w.cborArrayHeader(3)
                try w.cborTextString("Encrypt0")
                try w.cborHead(.byteString, 0)
                try w.cborHead(.byteString, UInt32(truncatingIfNeeded: aadArrayLength))
                try w.cborArrayHeader(5)
                try w.cborUnsigned(OSCORELimits.version)
                try w.cborArrayHeader(1)
                try w.cborInt(OSCOREAlgorithm.algAEAD)
                try w.cborByteString(requestKid)
                try w.cborByteString(requestPartialIV)
                try w.cborHead(.byteString, 0)
            }
        } catch {
            throw .invalidParameter
        }
        return aad
    }
}

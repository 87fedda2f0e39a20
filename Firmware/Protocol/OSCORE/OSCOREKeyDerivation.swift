import RampartCrypto

/// Derivation of Sender Key, Recipient Key and Common IV (RFC 8613 §3.2.1):
///
///     output = HKDF(salt = Master Salt, IKM = Master Secret, info, L)
///     info   = [ id, id_context / nil, alg_aead, type ("Key" / "IV"), L ]
///
/// with id the Sender or Recipient ID for the keys and h'' for the Common IV.
enum OSCOREKeyDerivation {
    /// Upper bound of info: array head, id (1 + 7), id_context (1 + 16), alg, type (1 + 3), L.
    static let infoLengthMax = 48

    static func info(id: Span<UInt8>, idContext: Span<UInt8>?, type: StaticString,
                     length: Int) throws(OSCOREError) -> BoundedBytes<48> {
        var info = BoundedBytes<48>()
        do throws(ProtocolBufferError) {
            try info.write { (w: inout ByteWriter) throws(ProtocolBufferError) in
                try w.cborArrayHeader(5)
                try w.cborByteString(id)
                if let idContext { try w.cborByteString(idContext) } else { try w.cborNull() }
                try w.cborInt(OSCOREAlgorithm.algAEAD)
                try w.cborTextString(type)
                try w.cborUnsigned(UInt32(truncatingIfNeeded: length))
            }
        } catch {
            throw .invalidParameter
        }
        return info
    }

    /// HKDF-Expand(PRK, info, L) into `output` (L = `output.count`).
    static func expand<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, prk: borrowing Bytes32,
                                              id: Span<UInt8>, idContext: Span<UInt8>?, type: StaticString,
                                              into output: inout MutableSpan<UInt8>) throws(OSCOREError) {
        let info = try info(id: id, idContext: idContext, type: type, length: output.count)
        do throws(CryptoError) {
            try crypto.hkdfExpand(prk: prk.span, info: info.span, into: &output)
        } catch {
            throw .invalidParameter
        }
    }
}

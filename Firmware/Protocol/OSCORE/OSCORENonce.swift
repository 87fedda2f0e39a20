/// The AEAD nonce (RFC 8613 §5.2, Figure 8): the size S of ID_PIV, ID_PIV left-padded to
/// nonce length − 6 bytes, the Partial IV left-padded to 5 bytes, all XORed with the
/// Common IV. ID_PIV is the Sender ID of the endpoint that generated the Partial IV.
enum OSCORENonce {
    @inline(never)
    static func make(idPIV: Span<UInt8>, partialIV: Span<UInt8>, commonIV: OSCORENonceBytes) -> OSCORENonceBytes {
        var nonce = commonIV
        let idField = OSCORELimits.idLengthMax
        let pivField = OSCORELimits.partialIVLengthMax
        nonce[0] ^= UInt8(truncatingIfNeeded: idPIV.count)
        for i in 0..<min(idPIV.count, idField) {
            nonce[1 + idField - idPIV.count + i] ^= idPIV[i]
        }
        for i in 0..<min(partialIV.count, pivField) {
            nonce[1 + idField + pivField - partialIV.count + i] ^= partialIV[i]
        }
        return nonce
    }
}

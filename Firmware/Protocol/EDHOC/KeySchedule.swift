import RampartCrypto

/// EDHOC's key derivation (RFC 9528 §4.1): EDHOC_Extract is HKDF-Extract, EDHOC_KDF is
/// HKDF-Expand with `info = (info_label: int, context: bstr, length: uint)` as a CBOR
/// sequence. The labels are those of §4.1.2 and Appendix H.
enum KeySchedule {
    static let keystream2: UInt32 = 0
    static let salt3e2m: UInt32 = 1
    static let mac2: UInt32 = 2
    static let k3: UInt32 = 3
    static let iv3: UInt32 = 4
    static let salt4e3m: UInt32 = 5
    static let mac3: UInt32 = 6
    static let prkOut: UInt32 = 7
    static let k4: UInt32 = 8
    static let iv4: UInt32 = 9
    static let prkExporter: UInt32 = 10
    static let keyUpdate: UInt32 = 11

    /// Bytes of `info` around its context: label (≤ 5), bstr head (≤ 3), length (≤ 3).
    static let infoOverhead = 11

    /// EDHOC_Extract(salt, IKM) = HMAC-SHA-256(salt, IKM).
    static func extract<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, salt: Span<UInt8>, ikm: Span<UInt8>) -> Bytes32 {
        crypto.hkdfExtract(salt: salt, ikm: ikm)
    }

    /// EDHOC_KDF(PRK, label, context, output.count), the context written by `context`
    /// (which must write exactly `contextLength` bytes).
    /// A trace, if given, receives the context under `contextName` (context_2, context_3).
    static func kdf<Crypto: CryptoProvider, Trace: EDHOCTrace>(
        _ crypto: borrowing Crypto, prk: Span<UInt8>, label: UInt32, contextLength: Int,
        context: (inout ByteWriter) throws(ProtocolBufferError) -> Void,
        into output: inout MutableSpan<UInt8>,
        trace: Trace = NoEDHOCTrace(), contextName: StaticString = ""
    ) throws(EDHOCError) {
        var contextStart = 0
        var info = KDFInfoStorage(repeating: 0)
        var infoLength = 0
        do {
            var writer = ByteWriter(info.mutableSpan)
            try writer.cborUnsigned(label)
            try writer.cborHead(.byteString, UInt32(truncatingIfNeeded: contextLength))
            let start = writer.count
            contextStart = start
            try context(&writer)
            precondition(writer.count - start == contextLength, "EDHOC_KDF context length mismatch")
            try writer.cborUnsigned(UInt32(truncatingIfNeeded: output.count))
            infoLength = writer.count
        } catch {
            throw .tooLong
        }
        if contextName.utf8CodeUnitCount > 0 {
            trace.record(contextName, info.span.extracting(contextStart..<(contextStart + contextLength)))
        }
        defer { info.wipe() }
        do {
            try crypto.hkdfExpand(prk: prk, info: info.span.extracting(0..<infoLength), into: &output)
        } catch {
            throw EDHOCError(error)
        }
    }

    /// EDHOC_KDF with a context given as bytes.
    static func kdf<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, prk: Span<UInt8>, label: UInt32,
                                            context: Span<UInt8>, into output: inout MutableSpan<UInt8>) throws(EDHOCError) {
        try kdf(crypto, prk: prk, label: label, contextLength: context.count,
                context: { w throws(ProtocolBufferError) in try w.append(context) }, into: &output)
    }

    /// EDHOC_KDF producing 32 bytes (salts, PRK_out, PRK_exporter).
    static func kdf32<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, prk: Bytes32, label: UInt32,
                                              context: Span<UInt8>) throws(EDHOCError) -> Bytes32 {
        var out = Bytes32.zero
        var span = out.mutableSpan
        try kdf(crypto, prk: prk.span, label: label, context: context, into: &span)
        return out
    }

    /// The transcript hash over a CBOR sequence written by `input` (TH_2, TH_3, TH_4).
    static func transcriptHash<Crypto: CryptoProvider>(
        _ crypto: borrowing Crypto, _ input: (inout ByteWriter) throws(ProtocolBufferError) -> Void
    ) throws(EDHOCError) -> Bytes32 {
        var buffer = ContextStorage(repeating: 0)
        var length = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try input(&writer)
            length = writer.count
        } catch {
            throw .tooLong
        }
        return crypto.sha256(buffer.span.extracting(0..<length))
    }

    /// AEAD key and nonce derived from `prk` and a transcript hash (K_3/IV_3, K_4/IV_4).
    static func aeadKeyAndIV<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, prk: Bytes32, th: Bytes32,
                                                     keyLabel: UInt32, ivLabel: UInt32) throws(EDHOCError)
        -> (key: Bytes16, iv: InlineArray<13, UInt8>) {
        var key = Bytes16.zero
        var iv = InlineArray<13, UInt8>(repeating: 0)
        var keySpan = key.mutableSpan
        try kdf(crypto, prk: prk.span, label: keyLabel, context: th.span, into: &keySpan)
        var ivSpan = iv.mutableSpan
        try kdf(crypto, prk: prk.span, label: ivLabel, context: th.span, into: &ivSpan)
        return (key, iv)
    }

    /// AES-CCM-16-64-128 encryption of message_3 or message_4. Never inlined: the cipher's
    /// key schedule and CCM state (about 700 bytes) then occupy the stack only while sealing,
    /// not in the frame of the message function during its deeper HKDF calls.
    @inline(never)
    static func seal<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, key: Bytes16, nonce: Span<UInt8>,
                                             aad: Span<UInt8>, plaintext: Span<UInt8>,
                                             into output: inout MutableSpan<UInt8>) throws(EDHOCError) {
        do {
            try crypto.aesCCMSeal(key: key, nonce: nonce, aad: aad, plaintext: plaintext,
                                  tagLength: EDHOCCipherSuite.tagLength, into: &output)
        } catch { throw EDHOCError(error) }
    }

    /// AES-CCM-16-64-128 decryption of message_3 or message_4 (see `seal`).
    @inline(never)
    static func open<Crypto: CryptoProvider>(_ crypto: borrowing Crypto, key: Bytes16, nonce: Span<UInt8>,
                                             aad: Span<UInt8>, ciphertextAndTag: Span<UInt8>,
                                             into output: inout MutableSpan<UInt8>) throws(EDHOCError) {
        do {
            try crypto.aesCCMOpen(key: key, nonce: nonce, aad: aad, ciphertextAndTag: ciphertextAndTag,
                                  tagLength: EDHOCCipherSuite.tagLength, into: &output)
        } catch { throw EDHOCError(error) }
    }

    /// The COSE Enc_structure used as AAD for message_3 and message_4 (§5.4.2, §5.5.2):
    /// `[ "Encrypt0", h'', TH ]`.
    static func encStructure(th: Bytes32) -> InlineArray<45, UInt8> {
        var aad = InlineArray<45, UInt8>(repeating: 0)
        let head: InlineArray<12, UInt8> = [0x83, 0x68, 0x45, 0x6E, 0x63, 0x72, 0x79, 0x70, 0x74, 0x30, 0x40, 0x58]
        for i in 0..<12 { aad[i] = head[i] }
        aad[12] = 0x20
        for i in 0..<32 { aad[13 + i] = th[i] }
        return aad
    }
}

/// Every bound the EDHOC code enforces, named (RFC 9528 leaves these to the profile).
/// Inputs beyond them are rejected with `EDHOCError.tooLong`, never truncated.
///
/// Swift's value generics take literals only, so each bound is the capacity of a storage
/// type below; the counts are read back from those types.
public enum EDHOCLimits {
    /// Cipher suites in SUITES_I or SUITES_R.
    public static var maxSuiteCount: Int { SuiteStorage.count }
    /// Bytes of a connection identifier (C_I, C_R) or a credential's kid.
    public static var maxIdentifierByteCount: Int { IdentifierStorage.count }
    /// Bytes of an authentication credential (CRED_I, CRED_R): a CCS with a P-256 key and a
    /// short subject is 95 bytes (RFC 9529 trace 2).
    public static var maxCredentialByteCount: Int { CredentialStorage.maxCount }
    /// Bytes of external authorization data in one message (EAD_1 … EAD_4).
    public static var maxEADByteCount: Int { EADStorage.maxCount }
    /// Bytes of PLAINTEXT_2 or PLAINTEXT_3: two compact identifiers (≤ 1 + 1 + 8 each), a
    /// MAC (1 + 8) and EAD: 2 × 10 + 9 + 64 = 93, rounded up.
    public static var maxPlaintextByteCount: Int { PlaintextStorage.maxCount }
    /// Bytes of message_2, which the Responder keeps to answer a retransmitted message_1:
    /// bstr head (2) + G_Y (32) + CIPHERTEXT_2.
    public static var maxMessage2ByteCount: Int { Message2Storage.maxCount }
    /// Bytes of a MAC context or transcript-hash input: C_R (10) + ID_CRED (12) + TH (34) +
    /// CRED (128) + EAD (64) + PLAINTEXT (96) = 344 covers every one of them.
    static var maxContextByteCount: Int { ContextStorage.count }
}

typealias SuiteStorage = InlineArray<8, Int32>
typealias IdentifierStorage = InlineArray<8, UInt8>
public typealias CredentialStorage = BoundedBytes<128>
public typealias EADStorage = BoundedBytes<64>
/// ERR_INFO text kept from an EDHOC error message.
public typealias DiagnosticStorage = BoundedBytes<24>
public typealias PlaintextStorage = BoundedBytes<96>
public typealias Message2Storage = BoundedBytes<130>
typealias ContextStorage = InlineArray<344, UInt8>
/// EDHOC_KDF info: label (≤ 5), bstr head (≤ 3), context, length (≤ 3).
typealias KDFInfoStorage = InlineArray<355, UInt8>
/// CIPHERTEXT_3 or CIPHERTEXT_4: a plaintext and the 8-byte tag.
typealias CiphertextStorage = InlineArray<104, UInt8>

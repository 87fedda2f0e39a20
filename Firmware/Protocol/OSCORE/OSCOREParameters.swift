/// The AEAD Algorithm of this profile: AES-CCM-16-64-128 (COSE algorithm 10, RFC 9053
/// §4.2), with HKDF SHA-256 — RFC 8613 §3.2's defaults and RFC 9528 cipher suites 0 and 2.
public enum OSCOREAlgorithm {
    /// alg_aead as it appears in the info and external_aad arrays.
    public static let algAEAD: Int32 = 10
    /// Sender Key and Recipient Key length, bytes.
    public static let keyLength = 16
    /// AEAD nonce and Common IV length, bytes.
    public static let nonceLength = 13
    /// CCM tag length, bytes (the "64" in the name).
    public static let tagLength = 8
}

/// The bounds of RFC 8613 and of this implementation.
public enum OSCORELimits {
    /// oscore_version in the external_aad (§5.4).
    public static let version: UInt32 = 1
    /// Sender and Recipient ID are at most nonce length − 6 bytes (§3.3).
    public static let idLengthMax = OSCOREAlgorithm.nonceLength - 6
    /// ID Context may be arbitrarily long (§3.3); this profile bounds it.
    public static let idContextLengthMax = 16
    /// A Partial IV is at most 5 bytes (§5.2, §6.1).
    public static let partialIVLengthMax = 5
    /// The Sender Sequence Number SHALL be less than 2^40 (§7.2.1).
    public static let senderSequenceNumberMax: UInt64 = (1 &<< 40) &- 1
    /// Default anti-replay sliding window size (§3.2.2, RFC 6347 §4.1.2.6).
    public static let replayWindowSize = 32
}

/// A Sender ID, Recipient ID or 'kid' (§3.1): at most 7 bytes.
public typealias OSCOREIdentifier = BoundedBytes<7>
/// A Partial IV as sent (§5): 1-5 bytes.
public typealias OSCOREPartialIVBytes = BoundedBytes<5>
/// An AEAD nonce or the Common IV (§5.2): 13 bytes.
public typealias OSCORENonceBytes = InlineArray<13, UInt8>
/// An ID Context (§3.1), bounded by `OSCORELimits.idContextLengthMax`.
public typealias OSCOREIDContext = BoundedBytes<16>

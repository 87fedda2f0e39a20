import RampartCrypto

/// An OSCORE Security Context (RFC 8613 §3.1): the Common Context (Common IV, ID Context),
/// the Sender Context (Sender ID, Sender Key, Sender Sequence Number) and the Recipient
/// Context (Recipient ID, Recipient Key, Replay Window), with the key usage counters of
/// draft-ietf-core-oscore-key-limits. AEAD is AES-CCM-16-64-128 with HKDF SHA-256.
///
/// Non-copyable, so the keys exist once. Swift gives a `deinit` only an immutable,
/// possibly moved `self`, which cannot reach the storage that held the keys: whoever owns
/// the context calls `wipe()` before dropping it (on revocation, re-key or session end).
///
/// Protecting and unprotecting messages: see OSCOREProtect.swift and OSCOREUnprotect.swift.
public struct OSCORESecurityContext: ~Copyable {
    public let senderID: OSCOREIdentifier
    public let recipientID: OSCOREIdentifier
    /// The ID Context, when one was given (`hasIDContext`).
    public let idContext: OSCOREIDContext
    public let hasIDContext: Bool
    var senderKey: Bytes16
    var recipientKey: Bytes16
    var commonIV: OSCORENonceBytes
    /// The next Partial IV this endpoint sends (§3.2.2: starts at 0).
    public internal(set) var senderSequenceNumber: UInt64 = 0
    /// Partial IVs received in requests (server side; §7.4).
    public internal(set) var replayWindow = OSCOREReplayWindow()
    /// q and v, and whether a re-key is due.
    public internal(set) var usage = OSCOREKeyUsage()
    /// Set by `wipe()`; a wiped context refuses every operation.
    public private(set) var isWiped = false

    /// Derives a context (§3.2.1).
    ///
    /// From EDHOC (RFC 9528 Appendix A.1): masterSecret = EDHOC_Exporter(0, h'', 16),
    /// masterSalt = EDHOC_Exporter(1, h'', 8), no ID Context, and the connection identifiers
    /// map crosswise — the Initiator's Sender ID is C_R and its Recipient ID is C_I; the
    /// Responder's Sender ID is C_I and its Recipient ID is C_R. Pass the identifiers' byte
    /// string values (for a one-byte int identifier, its one-byte CBOR encoding, §3.3.2).
    ///
    /// - Parameters:
    ///   - masterSalt: may be empty (the default, §3.2).
    ///   - idContext: nil when none is used (info then carries CBOR nil).
    /// - Throws: `.invalidParameter` for IDs over 7 bytes or an ID Context over 16 bytes.
    public init<Crypto: CryptoProvider>(crypto: borrowing Crypto, masterSecret: Span<UInt8>,
                                        masterSalt: Span<UInt8>, senderID: Span<UInt8>,
                                        recipientID: Span<UInt8>, idContext: Span<UInt8>?) throws(OSCOREError) {
        let ids: (sender: OSCOREIdentifier, recipient: OSCOREIdentifier, context: OSCOREIDContext)
        do throws(ProtocolBufferError) {
            var context = OSCOREIDContext()
            if let idContext { try context.append(idContext) }
            ids = (try OSCOREIdentifier(copying: senderID), try OSCOREIdentifier(copying: recipientID), context)
        } catch {
            throw .invalidParameter
        }
        var prk = crypto.hkdfExtract(salt: masterSalt, ikm: masterSecret)
        defer { prk.wipe() }
        var senderKey = Bytes16.zero
        var recipientKey = Bytes16.zero
        var commonIV = OSCORENonceBytes(repeating: 0)
        defer {
            senderKey.wipe()
            recipientKey.wipe()
            commonIV.wipe()
        }
        do {
            var output = senderKey.mutableSpan
            try OSCOREKeyDerivation.expand(crypto, prk: prk, id: senderID, idContext: idContext,
                                           type: "Key", into: &output)
        }
        do {
            var output = recipientKey.mutableSpan
            try OSCOREKeyDerivation.expand(crypto, prk: prk, id: recipientID, idContext: idContext,
                                           type: "Key", into: &output)
        }
        do {
            var output = commonIV.mutableSpan
            try OSCOREKeyDerivation.expand(crypto, prk: prk, id: senderID.extracting(0..<0),
                                           idContext: idContext, type: "IV", into: &output)
        }
        self.senderID = ids.sender
        self.recipientID = ids.recipient
        self.idContext = ids.context
        self.hasIDContext = idContext != nil
        self.senderKey = senderKey
        self.recipientKey = recipientKey
        self.commonIV = commonIV
    }

    /// Zeroes the keys and Common IV and makes the context refuse all further use.
    public mutating func wipe() {
        senderKey.wipe()
        recipientKey.wipe()
        commonIV.wipe()
        isWiped = true
    }

    /// Resumes a context whose mutable state was stored (RFC 8613 §7.5, Appendix B.1.1):
    /// moves the Sender Sequence Number and the usage counters forward to the stored values.
    /// Never moves them back (that would reuse nonces or forgive forgeries): lower values
    /// are ignored.
    public mutating func resume(senderSequenceNumber: UInt64, usage stored: OSCOREKeyUsage) {
        if senderSequenceNumber > self.senderSequenceNumber { self.senderSequenceNumber = senderSequenceNumber }
        if stored.countQ > usage.countQ { usage.countQ = stored.countQ }
        if stored.countV > usage.countV { usage.countV = stored.countV }
    }

    /// Lends the derived key material to `body`: for the RFC 8613 Appendix C checks and an
    /// integrator's trace (as `rampart edhoc trace` prints EDHOC's), never for logging.
    public func withKeyMaterial<Result>(
        _ body: (_ senderKey: borrowing Bytes16, _ recipientKey: borrowing Bytes16,
                 _ commonIV: borrowing OSCORENonceBytes) -> Result
    ) -> Result {
        body(senderKey, recipientKey, commonIV)
    }

    /// The nonce for a Partial IV this endpoint generated (§5.2, ID_PIV = Sender ID).
    public func senderNonce(partialIV: Span<UInt8>) -> OSCORENonceBytes {
        OSCORENonce.make(idPIV: senderID.span, partialIV: partialIV, commonIV: commonIV)
    }

    /// The nonce for a Partial IV the peer generated (ID_PIV = Recipient ID).
    public func recipientNonce(partialIV: Span<UInt8>) -> OSCORENonceBytes {
        OSCORENonce.make(idPIV: recipientID.span, partialIV: partialIV, commonIV: commonIV)
    }

    /// Scratch space that `protectRequest` and `protectResponse` need for a message of
    /// `messageLength` bytes: the plaintext (at most the message length + 1: the 4-byte
    /// header becomes a 1-byte code, and removing an outer option can lengthen the next
    /// inner option's delta by at most one byte more than the option took) and its sealed
    /// copy next to it. Unprotecting needs the ciphertext length − 8.
    public static func protectScratchLength(messageLength: Int) -> Int {
        2 * (messageLength + 1) + OSCOREAlgorithm.tagLength
    }
}

import RampartCrypto

extension EDHOCSession {
    /// The OSCORE Security Context this session establishes (RFC 9528 Appendix A.1):
    /// Master Secret = EDHOC_Exporter(0, h'', 16), Master Salt = EDHOC_Exporter(1, h'', 8),
    /// no ID Context, AES-CCM-16-64-128; the Initiator sends with C_R and receives with C_I,
    /// the Responder the other way round. Call again after `keyUpdate` for the new keys.
    public func oscoreContext<Crypto: CryptoProvider>(crypto: borrowing Crypto) throws(EDHOCError) -> OSCORESecurityContext {
        var secret = try oscoreMasterSecret(crypto: crypto)
        var salt = try oscoreMasterSalt(crypto: crypto)
        defer {
            secret.wipe()
            salt.wipe()
        }
        let sender = oscoreSenderID, recipient = oscoreRecipientID
        do {
            return try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: salt.span,
                                             senderID: sender.span, recipientID: recipient.span, idContext: nil)
        } catch {
            throw .cryptoFailure
        }
    }
}

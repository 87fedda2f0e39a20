/// What both endpoints keep from a request to protect or verify its response (RFC 8613
/// §7.1, §8): the request's 'kid' and Partial IV (for the response's external_aad) and its
/// AEAD nonce (reused by a response without a Partial IV, §5.2). Keep it with the Token.
public struct OSCORERequestBinding {
    /// request_kid: the client's Sender ID.
    public let requestKid: OSCOREIdentifier
    /// request_piv.
    public let requestPartialIV: OSCOREPartialIVBytes
    /// The request's AEAD nonce.
    public let nonce: OSCORENonceBytes

    init(requestKid: OSCOREIdentifier, requestPartialIV: OSCOREPartialIVBytes, nonce: OSCORENonceBytes) {
        self.requestKid = requestKid
        self.requestPartialIV = requestPartialIV
        self.nonce = nonce
    }
}

import RampartCrypto
import RampartHostCrypto

/// Stateless Echo values (RFC 9175 §2) for admission control under load — WireGuard's
/// cookie in CoAP's own terms. The value binds the time it was issued to the requester's
/// address with a MAC under a secret that lives only in memory:
///
///     Echo = issued (4 bytes, big-endian seconds) ‖ HMAC-SHA-256(secret, issued ‖ source)[0..<8]
///
/// A message_1 that returns a fresh, valid value has shown it can receive at its address,
/// so the gateway spends Diffie-Hellman work on it; checking costs one HMAC and no state.
struct EchoChallenge: Sendable {
    static let valueLength = 12
    private static let macLength = 8
    private let secret: [UInt8]
    private let lifetime: Double
    private let crypto: HostCrypto

    init(crypto: HostCrypto, lifetimeSeconds: Double) {
        var secret = [UInt8](repeating: 0, count: 32)
        var random = crypto
        var span = secret.mutableSpan
        random.fillRandom(&span)
        self.secret = secret
        self.lifetime = lifetimeSeconds
        self.crypto = crypto
    }

    func issue(for source: PeerAddress, now: Double) -> [UInt8] {
        let issued = UInt32(clamping: Int(now.rounded(.down)))
        var value = [UInt8(issued >> 24), UInt8(issued >> 16 & 0xFF), UInt8(issued >> 8 & 0xFF), UInt8(issued & 0xFF)]
        value += mac(issuedBytes: value, source: source)
        return value
    }

    func isValid(_ value: Span<UInt8>, for source: PeerAddress, now: Double) -> Bool {
        guard value.count == Self.valueLength else { return false }
        let issuedBytes = [value[0], value[1], value[2], value[3]]
        let issued = Double(UInt32(issuedBytes[0]) << 24 | UInt32(issuedBytes[1]) << 16
                            | UInt32(issuedBytes[2]) << 8 | UInt32(issuedBytes[3]))
        guard issued <= now.rounded(.down), now - issued <= lifetime else { return false }
        let expected = mac(issuedBytes: issuedBytes, source: source)
        return constantTimeEqual(expected.span, value.extracting(4..<Self.valueLength))
    }

    private func mac(issuedBytes: [UInt8], source: PeerAddress) -> [UInt8] {
        let message = issuedBytes + Array(source.description.utf8)
        let tag = crypto.hmacSHA256(key: secret.span, message: message.span)
        var out = [UInt8](repeating: 0, count: Self.macLength)
        for i in 0..<Self.macLength { out[i] = tag[i] }
        return out
    }
}

// P-256 key derivation and ECDH over swift-crypto (BoringSSL), with its errors mapped to the
// core's `CryptoError`.
import Crypto
import RampartCrypto

enum HostP256 {
    /// SEC 1 §2.3.3 prefix of a compressed point whose y is even.
    static let compressedEvenPrefix: UInt8 = 0x02
    /// Bytes of swift-crypto's raw public key, x ‖ y.
    static let rawPublicKeyByteCount = 64

    /// The public key d·G. swift-crypto (BoringSSL's `EC_KEY_set_private_key`) rejects d = 0 and
    /// d ≥ n.
    static func publicKey(privateKey: Bytes32) throws(CryptoError) -> (x: Bytes32, y: Bytes32) {
        let key = try agreementKey(privateKey)
        let raw = key.publicKey.rawRepresentation
        guard raw.count == rawPublicKeyByteCount else { throw .invalidPublicKey }
        var x = Bytes32.zero
        var y = Bytes32.zero
        for i in 0..<32 {
            x[i] = raw[raw.startIndex + i]
            y[i] = raw[raw.startIndex + 32 + i]
        }
        return (x, y)
    }

    /// ECDH with a peer key given by its x-coordinate (RFC 9528 §3.7): the point 0x02 ‖ x is
    /// decompressed and validated by swift-crypto, which rejects an x not below p or not on the
    /// curve. The sign of y does not change the x of the result.
    static func ecdh(privateKey: Bytes32, publicKeyX: Bytes32) throws(CryptoError) -> Bytes32 {
        let key = try agreementKey(privateKey)
        var compressed = [UInt8](repeating: compressedEvenPrefix, count: 1 + Bytes32.count)
        for i in 0..<32 { compressed[1 + i] = publicKeyX[i] }
        let peer: Crypto.P256.KeyAgreement.PublicKey
        do {
            peer = try Crypto.P256.KeyAgreement.PublicKey(compressedRepresentation: compressed)
        } catch {
            throw .invalidPublicKey
        }
        let shared: SharedSecret
        do {
            shared = try key.sharedSecretFromKeyAgreement(with: peer)
        } catch {
            throw .invalidPublicKey
        }
        var z = Bytes32.zero
        let copied = shared.withUnsafeBytes { bytes in
            guard bytes.count == Bytes32.count else { return false }
            for i in 0..<32 { z[i] = bytes[i] }
            return true
        }
        guard copied else { throw .invalidPublicKey }
        return z
    }

    /// swift-crypto's key for `d`; the temporary copy of `d` is wiped.
    private static func agreementKey(_ privateKey: Bytes32) throws(CryptoError) -> Crypto.P256.KeyAgreement.PrivateKey {
        var raw = [UInt8](repeating: 0, count: Bytes32.count)
        defer { raw.withUnsafeMutableBytes { secureZero($0) } }
        for i in 0..<32 { raw[i] = privateKey[i] }
        do {
            return try Crypto.P256.KeyAgreement.PrivateKey(rawRepresentation: raw)
        } catch {
            throw .invalidPrivateKey
        }
    }
}

// AES-128 in the forward direction over swift-crypto's single-block permutation (BoringSSL's
// AES_encrypt), so that the core's CCM runs over a vetted AES on the host.
import Crypto
import _CryptoExtras
import RampartCrypto

/// AES-128 block encryption (FIPS 197) through swift-crypto's `AES.permute(_:key:)`.
///
/// The key lives in a `SymmetricKey`, whose storage swift-crypto zeroes when it is released.
/// BoringSSL expands the key schedule on every block; CCM on the gateway encrypts messages of
/// at most a few hundred bytes, so that cost is accepted for the sake of a vetted AES.
public struct HostAES128: BlockCipher128 {
    private let key: SymmetricKey

    public init(key: Bytes16) {
        self.key = key.span.withUnsafeBytes { SymmetricKey(data: $0) }
    }

    public func encrypt(block: inout Bytes16) {
        var span = block.mutableSpan
        span.withUnsafeMutableBufferPointer { buffer in
            var payload = buffer
            do {
                try AES.permute(&payload, key: key)
            } catch {
                // `permute` throws only for a payload that is not 16 bytes or a key that is not
                // 128, 192 or 256 bits; both sizes are fixed here by the types.
                preconditionFailure("AES.permute rejected a 16-byte block under a 128-bit key: \(error)")
            }
        }
    }
}

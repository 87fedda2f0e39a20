/// A 128-bit block cipher in the forward direction, which is all CCM needs
/// (RFC 3610 §2: CBC-MAC and CTR both use the encryption function only).
///
/// The device core conforms with its constant-time `AES128`; the host backend conforms with
/// a vetted library's AES, so the same CCM code runs over either.
public protocol BlockCipher128 {
    func encrypt(block: inout Bytes16)
}

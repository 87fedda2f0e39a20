import RampartCrypto
import RampartHostCrypto

/// The key that seals the gateway's static private keys at rest with libsodium's secretbox
/// (`crypto_secretbox_easy`, XSalsa20-Poly1305): a file that was copied off the machine is
/// useless without the sealing key, which can live elsewhere (a systemd credential, a
/// removable medium).
///
/// A class so that the key is zeroed by `deinit` whichever way the caller leaves.
final class SealingKey {
    /// Bytes of a secretbox key.
    static let byteCount = 32
    /// Largest sealing key file read: 64 hex digits and a line ending, with room to spare.
    static let maxFileByteCount = 128

    /// The file the key came from, for messages.
    let path: String
    private var key: Bytes32

    /// Reads the key: 32 raw bytes, or 64 hex digits (a trailing line ending is allowed).
    /// The file must be private to its owner, like the key files it protects.
    init(contentsOf path: String) throws(KeyStoreError) {
        guard var contents = try SecretFile.read(path, maxByteCount: Self.maxFileByteCount) else {
            throw .invalidSealingKey(path: path, reason: "the file does not exist")
        }
        defer { wipe(&contents) }
        self.path = path
        key = .zero
        if contents.count == Self.byteCount {
            for i in 0..<Self.byteCount { key[i] = contents[i] }
            return
        }
        var digits = contents.count
        while digits > 0, [0x0A, 0x0D, 0x20, 0x09].contains(contents[digits - 1]) { digits -= 1 }
        guard digits == 2 * Self.byteCount else {
            throw .invalidSealingKey(path: path, reason: "it holds \(contents.count) bytes")
        }
        for i in 0..<Self.byteCount {
            guard let high = hexValue(contents[2 * i]), let low = hexValue(contents[2 * i + 1]) else {
                key.wipe()
                throw .invalidSealingKey(path: path, reason: "it holds 64 characters that are not all hex digits")
            }
            key[i] = high << 4 | low
        }
    }

    deinit {
        key.wipe()
    }

    /// Seals a private key under a fresh random nonce (a nonce must never repeat under one
    /// key; 24 random bytes make a collision negligible).
    func seal(_ privateKey: Bytes32, sodium: Sodium) -> (nonce: [UInt8], box: [UInt8]) {
        var nonce = Bytes24.zero
        do {
            var nonceSpan = nonce.mutableSpan
            sodium.randomBytes(into: &nonceSpan)
        }
        var box = [UInt8](repeating: 0, count: Bytes32.count + Sodium.secretboxTagByteCount)
        do {
            var output = box.mutableSpan
            // Cannot fail: the output has exactly the size secretbox needs.
            try? sodium.secretboxSeal(privateKey.span, nonce: nonce, key: key, into: &output)
        }
        var nonceBytes: [UInt8] = []
        for i in 0..<Bytes24.count { nonceBytes.append(nonce[i]) }
        return (nonceBytes, box)
    }

    /// Opens a sealed private key; throws `.wrongSealingKey` if it does not authenticate.
    func open(nonce: [UInt8], box: [UInt8], keyFile: String, sodium: Sodium) throws(KeyStoreError) -> Bytes32 {
        var privateKey = Bytes32.zero
        let nonceValue: Bytes24
        do { nonceValue = try Bytes24(copying: nonce.span) } catch {
            throw .malformedKeyFile(path: keyFile, reason: "the nonce is not \(Bytes24.count) bytes")
        }
        do {
            var output = privateKey.mutableSpan
            try sodium.secretboxOpen(box.span, nonce: nonceValue, key: key, into: &output)
        } catch {
            privateKey.wipe()
            throw .wrongSealingKey(path: keyFile, sealingKeyFile: path)
        }
        return privateKey
    }
}

/// The value of one ASCII hex digit, either case.
func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}

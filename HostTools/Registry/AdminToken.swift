import RampartGateway
import RampartHostCrypto

/// The bearer token of the loopback admin API (`admin.token` in the data directory, 0600):
/// 32 random bytes as 64 hex digits, created once. Whoever can read the file can act on
/// devices, so it is as private as the keys.
public enum AdminToken {
    /// Random bytes in a token: 256 bits, beyond guessing.
    public static let byteCount = 32
    /// Largest token file read: the hex digits and a line ending.
    static let maxFileByteCount = 2 * byteCount + 2

    /// The token, created on first use (the data directory too, 0700).
    ///
    /// - Throws: `KeyStoreError` (an unreadable, malformed or group/other-accessible file).
    public static func loadOrCreate(dataDirectory: String) throws -> String {
        try DataDirectoryLayout.create(dataDirectory)
        let path = DataDirectoryLayout.path(dataDirectory, DataDirectoryLayout.adminToken)
        if let token = try load(path: path) { return token }
        let sodium: Sodium
        do { sodium = try Sodium() } catch { throw KeyStoreError.keyGenerationFailed("libsodium could not be initialised") }
        var random = [UInt8](repeating: 0, count: byteCount)
        do {
            var span = random.mutableSpan
            sodium.randomBytes(into: &span)
        }
        var contents = Array((random.hexString + "\n").utf8)
        wipe(&random)
        defer { wipe(&contents) }
        _ = try SecretFile.createExclusively(path, contents: contents)
        // Whether this process or a concurrent one created it, the file is now the truth.
        guard let token = try load(path: path) else { throw KeyStoreError.missingKeyFile(path: path) }
        return token
    }

    /// The token in `path`, or nil if there is none.
    static func load(path: String) throws(KeyStoreError) -> String? {
        guard var contents = try SecretFile.read(path, maxByteCount: maxFileByteCount) else { return nil }
        defer { wipe(&contents) }
        var digits = contents.count
        while digits > 0, contents[digits - 1] == 0x0A || contents[digits - 1] == 0x0D { digits -= 1 }
        guard digits == 2 * byteCount, contents[0..<digits].allSatisfy({ hexValue($0) != nil }) else {
            throw .malformedKeyFile(path: path, reason: "an admin token is \(2 * byteCount) hex digits")
        }
        return String(decoding: contents[0..<digits], as: UTF8.self)
    }
}

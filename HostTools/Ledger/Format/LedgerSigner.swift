import CSodium
import RampartCrypto
import RampartHostCrypto
import RampartRegistry

/// The gateway's Ed25519 ledger key (docs/ledger.md, "Signing keys and gateway ids").
///
/// The 64-byte libsodium secret key (seed ‖ public key) lives in `sodium_malloc` memory:
/// guard pages around it, locked out of swap where the system allows, and zeroed by
/// `sodium_free` when the signer goes away. It is written once, in `init`, and only read
/// after that, so one signer signs from several threads at once (`LedgerStore.makeBlock`
/// signs a block's entries in parallel).
public final class LedgerSigner: @unchecked Sendable {
    /// Bytes of an Ed25519 seed (RFC 8032 §5.1.5's private key).
    public static let seedByteCount = 32
    /// Largest `ledger-signing.key` accepted: 64 hex digits and a line ending, with room.
    static let keyFileMaxByteCount = 128

    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    /// First 8 bytes of SHA-256 of `publicKey`.
    public let gatewayID: GatewayID
    private let secretKey: UnsafeMutablePointer<UInt8>

    /// A signer for the 32-byte `seed` (tests, and `loadOrCreate`). The caller wipes its copy.
    public init(seed: [UInt8]) throws(LedgerKeyError) {
        guard seed.count == Self.seedByteCount else { throw .invalidSeed(byteCount: seed.count) }
        do { _ = try Sodium() } catch { throw .sodiumUnavailable }
        guard let memory = sodium_malloc(crypto_sign_secretkeybytes()) else { throw .outOfLockedMemory }
        let secretKey = memory.bindMemory(to: UInt8.self, capacity: Int(crypto_sign_secretkeybytes()))
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_publickeybytes()))
        seed.withUnsafeBufferPointer { seed in
            // Cannot fail: key derivation is a hash and a base-point multiplication.
            _ = crypto_sign_seed_keypair(&publicKey, secretKey, seed.baseAddress!)
        }
        self.secretKey = secretKey
        self.publicKey = publicKey
        gatewayID = GatewayID(publicKey: publicKey)
    }

    deinit {
        sodium_free(secretKey)
    }

    /// The Ed25519 signature of `message` (RFC 8032 §5.1.6; deterministic).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: SignedEntry.signatureByteCount)
        LedgerFormatSupport.withBytes(message) { message, count in
            // Cannot fail: signing is deterministic hashing and scalar arithmetic.
            _ = crypto_sign_detached(&signature, nil, message, UInt64(count), secretKey)
        }
        return signature
    }

    /// This gateway's `joined` membership entry, which must precede its first entry in a log.
    public func membershipEntry(address: String, time: UInt64 = LedgerClock.nowMilliseconds()) -> PendingEntry {
        .membership(publicKey: publicKey, change: .joined, address: address, time: time)
    }

    // MARK: The key file

    /// Loads `ledger-signing.key` from `dataDirectory`, creating it (mode 0600, a fresh random
    /// seed as 64 hex digits and a newline) if there is none. The directory is created 0700 if
    /// needed. Two processes starting at once end up with the same key (`SecretFile`).
    ///
    /// - Throws: `KeyStoreError` when the file is readable by others, malformed or cannot be
    ///   written; the message says what to do.
    public static func loadOrCreate(dataDirectory: String) throws -> LedgerSigner {
        try DataDirectoryLayout.create(dataDirectory)
        let path = DataDirectoryLayout.path(dataDirectory, DataDirectoryLayout.ledgerSigningKey)
        // Twice at most: if another process creates the file between our read and create, the
        // second read finds its key.
        for _ in 0 ..< 2 {
            if var contents = try SecretFile.read(path, maxByteCount: keyFileMaxByteCount) {
                defer { contents.withUnsafeMutableBytes { secureZero($0) } }
                var seed = try parseKeyFile(contents, path: path)
                defer { seed.withUnsafeMutableBytes { secureZero($0) } }
                return try LedgerSigner(seed: seed)
            }
            var seed = [UInt8](repeating: 0, count: seedByteCount)
            defer { seed.withUnsafeMutableBytes { secureZero($0) } }
            seed.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
            var contents = hexDigits(seed) + [UInt8(ascii: "\n")]
            defer { contents.withUnsafeMutableBytes { secureZero($0) } }
            if try SecretFile.createExclusively(path, contents: contents) {
                return try LedgerSigner(seed: seed)
            }
        }
        throw KeyStoreError.io(path: path, operation: "create", reason: "it keeps appearing and disappearing; "
                               + "is another program replacing it?")
    }

    /// The seed in a key file: 64 hex digits, optionally followed by a line ending.
    private static func parseKeyFile(_ contents: [UInt8], path: String) throws(KeyStoreError) -> [UInt8] {
        var end = contents.count
        while end > 0, contents[end - 1] == UInt8(ascii: "\n") || contents[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end == 2 * seedByteCount,
              let seed = LedgerFormatSupport.bytes(fromHex: contents[0 ..< end]) else {
            throw .malformedKeyFile(path: path, reason: "expected the 32-byte Ed25519 seed as 64 hex digits on one line")
        }
        return seed
    }

    /// Hex digits in a byte buffer the caller can wipe (a `String` could not be).
    private static func hexDigits(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2 + 1)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return output
    }
}

/// Why a ledger signer could not be made.
public enum LedgerKeyError: Error, Equatable, CustomStringConvertible {
    case invalidSeed(byteCount: Int)
    case sodiumUnavailable
    case outOfLockedMemory

    public var description: String {
        switch self {
        case .invalidSeed(let count): "an Ed25519 seed has 32 bytes, not \(count)"
        case .sodiumUnavailable: "libsodium failed to initialise (sodium_init); check the libsodium23 installation"
        case .outOfLockedMemory: "cannot allocate guarded memory for the ledger key (sodium_malloc); raise RLIMIT_MEMLOCK"
        }
    }
}

/// Ed25519 verification over byte arrays (`crypto_sign_verify_detached`: RFC 8032 §5.1.7,
/// non-canonical S and small-order keys rejected). Thread-safe; verifiers call it from many
/// threads.
enum LedgerSignatures {
    static func isValid(_ signature: [UInt8], for message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == SignedEntry.signatureByteCount, publicKey.count == Int(crypto_sign_publickeybytes()) else {
            return false
        }
        return LedgerFormatSupport.withBytes(message) { message, count in
            crypto_sign_verify_detached(signature, message, UInt64(count), publicKey) == 0
        }
    }
}

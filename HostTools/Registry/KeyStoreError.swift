/// Why the gateway's key store (static keys, sealing key, admin token) could not be used.
/// Each description names the file and says what to do; none contains a secret.
public enum KeyStoreError: Error, Equatable, CustomStringConvertible {
    /// The data directory cannot be created or used.
    case dataDirectory(path: String, reason: String)
    /// A secret file is readable or writable by group or others.
    case insecurePermissions(path: String, mode: UInt32)
    /// A system call on a file failed.
    case io(path: String, operation: String, reason: String)
    /// A key file does not exist where one is needed without creating it.
    case missingKeyFile(path: String)
    /// A key or token file is not in the expected format.
    case malformedKeyFile(path: String, reason: String)
    /// A key file holds a key of another suite, or its credential does not match its key.
    case inconsistentKeyFile(path: String, reason: String)
    /// A key file is sealed and no sealing key was given.
    case sealedKeyNeedsSealingKey(path: String)
    /// A sealed key did not open under the sealing key given.
    case wrongSealingKey(path: String, sealingKeyFile: String)
    /// A key file is not sealed although a sealing key is configured.
    case unsealedKeyWithSealingKey(path: String, sealingKeyFile: String)
    /// The sealing key file does not hold a usable key.
    case invalidSealingKey(path: String, reason: String)
    /// Only suites 0 and 2 have gateway keys.
    case unsupportedSuite(Int32)
    /// The random source kept producing unusable keys (never expected).
    case keyGenerationFailed(String)

    public var description: String {
        switch self {
        case .dataDirectory(let path, let reason):
            "data directory \(path): \(reason)"
        case .insecurePermissions(let path, let mode):
            "\(path) is accessible by group or others (mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4))); "
                + "secrets must be private to their owner: run chmod 600 \(path)"
        case .io(let path, let operation, let reason):
            "cannot \(operation) \(path): \(reason)"
        case .missingKeyFile(let path):
            "\(path) does not exist: start the gateway once, or run `rampart gateway credential`, to create the gateway's keys"
        case .malformedKeyFile(let path, let reason):
            "\(path) is not a valid Rampart file (\(reason)): restore it from a backup, or move it away so that a new one "
                + "is created (for a key file, devices then need the new gateway credential)"
        case .inconsistentKeyFile(let path, let reason):
            "\(path) is inconsistent (\(reason)): the file was altered; restore it from a backup, or move it away so that "
                + "a new key is created (devices then need the new gateway credential)"
        case .sealedKeyNeedsSealingKey(let path):
            "\(path) is sealed: configure the sealing key file it was sealed with (keySealingKeyFile in the gateway configuration)"
        case .wrongSealingKey(let path, let sealingKeyFile):
            "\(path) does not open with the sealing key in \(sealingKeyFile): it was sealed with another key, or altered; "
                + "configure the sealing key it was created with"
        case .unsealedKeyWithSealingKey(let path, let sealingKeyFile):
            "\(path) is not sealed, but a sealing key (\(sealingKeyFile)) is configured: either remove keySealingKeyFile "
                + "from the configuration, or move the key files away so that new, sealed keys are created "
                + "(devices then need the new gateway credential)"
        case .invalidSealingKey(let path, let reason):
            "sealing key file \(path): \(reason); it must hold 32 raw bytes or 64 hex digits, e.g. "
                + "(umask 077; head -c 32 /dev/urandom > \(path))"
        case .unsupportedSuite(let suite):
            "the gateway has keys for cipher suites 0 (X25519) and 2 (P-256), not \(suite)"
        case .keyGenerationFailed(let why):
            "cannot generate a gateway key: \(why)"
        }
    }
}

extension String {
    /// The string with leading zeros up to `width` characters (octal modes: 0644).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

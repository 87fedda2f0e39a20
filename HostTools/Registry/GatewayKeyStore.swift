import RampartCrypto
import RampartGateway
import RampartHostCrypto
import RampartProtocol

/// The gateway's static EDHOC keys (method 3: static DH for the Responder too, RFC 9528
/// §3.2), one per cipher suite, in the data directory: `gateway-suite0.key` (X25519) and
/// `gateway-suite2.key` (P-256), mode 0600, created on first start (see `GatewayKeyFile`
/// for the format). With a sealing key the private keys are stored sealed.
public enum GatewayKeyStore {
    /// The suites the gateway has keys for, in the order they are created and returned.
    public static let suites: [EDHOCCipherSuite] = [.suite0, .suite2]
    /// The CCS subject claim (RFC 8392 `sub`) of the gateway's credentials.
    public static let credentialSubject = "rampart-gateway"
    /// Bytes of a gateway kid: two, so that the suite-0 and suite-2 kids can differ and are
    /// never a one-byte identifier sent as a CBOR int (RFC 9528 §3.3.2).
    public static let keyIDByteCount = 2
    /// Draws of a random P-256 scalar before giving up: a draw is outside [1, n − 1] with
    /// probability below 2^-32, so more than one retry means the random source is broken.
    static let maxKeyDraws = 8

    /// The file holding the key of `suite`.
    public static func keyFileName(suite: Int32) throws(KeyStoreError) -> String {
        switch suite {
        case EDHOCCipherSuite.suite0.rawValue: DataDirectoryLayout.suite0Key
        case EDHOCCipherSuite.suite2.rawValue: DataDirectoryLayout.suite2Key
        default: throw .unsupportedSuite(suite)
        }
    }

    /// The keys for suites 0 and 2, created on first start.
    ///
    /// Creates the data directory (0700) if needed; loads each key file, or creates it (0600
    /// from the start) with a fresh private key from libsodium's `randombytes` and a CCS with
    /// a fresh random kid, different for the two suites. Each loaded key is checked against
    /// its credential. The caller owns the private keys and wipes them
    /// (`GatewayKeyMaterial.wipe()`).
    ///
    /// - Parameter sealingKeyFile: a file with a 32-byte key (raw or hex): new keys are stored
    ///   sealed with it, and existing keys must be sealed with it.
    /// - Throws: `KeyStoreError`, whose description says what to do.
    public static func loadOrCreate(dataDirectory: String, sealingKeyFile: String?,
                                    crypto: HostCrypto) throws -> [GatewayKeyMaterial] {
        try DataDirectoryLayout.create(dataDirectory)
        var sealingKey: SealingKey? = nil
        if let sealingKeyFile { sealingKey = try SealingKey(contentsOf: sealingKeyFile) }
        let sodium: Sodium
        do { sodium = try Sodium() } catch { throw KeyStoreError.keyGenerationFailed("libsodium could not be initialised") }
        var materials: [GatewayKeyMaterial] = []
        do {
            var keyIDs: [[UInt8]] = []
            for suite in suites {
                let path = DataDirectoryLayout.path(dataDirectory, try keyFileName(suite: suite.rawValue))
                var material = try load(path: path, suite: suite, sealingKey: sealingKey, crypto: crypto, sodium: sodium)
                if material == nil {
                    material = try create(path: path, suite: suite, avoiding: keyIDs, sealingKey: sealingKey,
                                          crypto: crypto, sodium: sodium)
                }
                // Lost a race with another process creating the same file: use its key.
                if material == nil {
                    material = try load(path: path, suite: suite, sealingKey: sealingKey, crypto: crypto, sodium: sodium)
                }
                guard let loaded = material else { throw KeyStoreError.missingKeyFile(path: path) }
                material = nil
                keyIDs.append(try keyID(of: loaded.credential, path: path))
                materials.append(loaded)
            }
        } catch {
            for i in materials.indices { materials[i].wipe() }
            throw error
        }
        return materials
    }

    /// CRED_R of `suite` (the CCS, public), read from its key file without touching the
    /// private key: needs no sealing key.
    ///
    /// - Throws: `KeyStoreError.missingKeyFile` if the gateway's keys were not created yet.
    public static func credential(suite: Int32, dataDirectory: String) throws -> [UInt8] {
        let path = DataDirectoryLayout.path(dataDirectory, try keyFileName(suite: suite))
        guard var file = try readKeyFile(path: path, suite: suite) else { throw KeyStoreError.missingKeyFile(path: path) }
        file.wipe()
        return file.credential
    }

    // MARK: Loading

    /// The parsed key file at `path`, or nil if there is none; checks that it belongs to
    /// `suite` and that its credential is a CCS of that suite.
    static func readKeyFile(path: String, suite: Int32) throws(KeyStoreError) -> GatewayKeyFile? {
        guard var bytes = try SecretFile.read(path, maxByteCount: GatewayKeyFile.maxByteCount) else { return nil }
        defer { wipe(&bytes) }
        var file: GatewayKeyFile
        do { file = try GatewayKeyFile.decode(bytes) } catch {
            throw .malformedKeyFile(path: path, reason: error.reason)
        }
        guard file.suite == suite else {
            file.wipe()
            throw .inconsistentKeyFile(path: path, reason: "it holds a key for suite \(file.suite), not \(suite)")
        }
        let credentialSuite: EDHOCCipherSuite
        do { credentialSuite = try EDHOCCredential(ccs: file.credential.span).suite } catch {
            file.wipe()
            throw .inconsistentKeyFile(path: path, reason: "its credential is not a CCS with a COSE_Key (\(error))")
        }
        guard credentialSuite.rawValue == suite else {
            file.wipe()
            throw .inconsistentKeyFile(path: path, reason: "its credential holds a suite-\(credentialSuite.rawValue) key")
        }
        return file
    }

    private static func load(path: String, suite: EDHOCCipherSuite, sealingKey: SealingKey?, crypto: HostCrypto,
                             sodium: Sodium) throws(KeyStoreError) -> GatewayKeyMaterial? {
        guard var file = try readKeyFile(path: path, suite: suite.rawValue) else { return nil }
        defer { file.wipe() }
        var privateKey = Bytes32.zero
        defer { privateKey.wipe() }
        switch file.privateKey {
        case .plain(let key):
            if let sealingKey { throw .unsealedKeyWithSealingKey(path: path, sealingKeyFile: sealingKey.path) }
            for i in 0..<Bytes32.count { privateKey[i] = key[i] }
        case .sealed(let nonce, let box):
            guard let sealingKey else { throw .sealedKeyNeedsSealingKey(path: path) }
            privateKey = try sealingKey.open(nonce: nonce, box: box, keyFile: path, sodium: sodium)
        }
        // The private key must be the one of the credential (EDHOCStaticKey checks it), or
        // every handshake would fail with a MAC error far from the cause.
        do {
            let credential = try EDHOCCredential(ccs: file.credential.span)
            let staticKey = try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: credential)
            staticKey.destroy()
        } catch {
            throw .inconsistentKeyFile(path: path, reason: "its credential's public key is not the one of its private key")
        }
        return GatewayKeyMaterial(suite: suite.rawValue, privateKey: bytes(of: privateKey), credential: file.credential)
    }

    // MARK: Creating

    /// A new key for `suite` written to `path`; nil if the file appeared meanwhile.
    private static func create(path: String, suite: EDHOCCipherSuite, avoiding usedKeyIDs: [[UInt8]],
                               sealingKey: SealingKey?, crypto: HostCrypto,
                               sodium: Sodium) throws(KeyStoreError) -> GatewayKeyMaterial? {
        var random = crypto
        var privateKey = try generatePrivateKey(suite: suite, crypto: &random)
        defer { privateKey.wipe() }
        let credential = try makeCredential(suite: suite, privateKey: privateKey,
                                            keyID: freshKeyID(avoiding: usedKeyIDs, crypto: &random), crypto: crypto)
        var file: GatewayKeyFile
        if let sealingKey {
            let sealed = sealingKey.seal(privateKey, sodium: sodium)
            file = GatewayKeyFile(suite: suite.rawValue, credential: credential, privateKey: .sealed(nonce: sealed.nonce, box: sealed.box))
        } else {
            file = GatewayKeyFile(suite: suite.rawValue, credential: credential, privateKey: .plain(bytes(of: privateKey)))
        }
        var contents = file.encoded()
        file.wipe()
        defer { wipe(&contents) }
        guard try SecretFile.createExclusively(path, contents: contents) else { return nil }
        return GatewayKeyMaterial(suite: suite.rawValue, privateKey: bytes(of: privateKey), credential: credential)
    }

    /// 32 random bytes: any value is an X25519 private key (RFC 7748 §5 clamps it); a P-256
    /// private key must be a scalar in [1, n − 1], which swift-crypto checks when it derives
    /// the public key.
    static func generatePrivateKey(suite: EDHOCCipherSuite, crypto: inout HostCrypto) throws(KeyStoreError) -> Bytes32 {
        var key = Bytes32.zero
        for _ in 0..<maxKeyDraws {
            do {
                var span = key.mutableSpan
                crypto.fillRandom(&span)
            }
            switch suite {
            case .suite0: return key
            case .suite2: if (try? crypto.p256PublicKey(privateKey: key)) != nil { return key }
            }
        }
        key.wipe()
        throw .keyGenerationFailed("\(maxKeyDraws) random draws were not valid P-256 scalars; the random source is broken")
    }

    /// A random kid of `keyIDByteCount` bytes that none of `usedKeyIDs` has.
    static func freshKeyID(avoiding usedKeyIDs: [[UInt8]], crypto: inout HostCrypto) -> [UInt8] {
        var keyID = [UInt8](repeating: 0, count: keyIDByteCount)
        repeat {
            var span = keyID.mutableSpan
            crypto.fillRandom(&span)
        } while usedKeyIDs.contains(keyID)
        return keyID
    }

    /// The CCS `{ 2: "rampart-gateway", 8: { 1: COSE_Key } }` for `privateKey`'s public key.
    static func makeCredential(suite: EDHOCCipherSuite, privateKey: Bytes32, keyID: [UInt8],
                               crypto: HostCrypto) throws(KeyStoreError) -> [UInt8] {
        let x: Bytes32
        var y: Bytes32? = nil
        switch suite {
        case .suite0:
            x = crypto.x25519PublicKey(privateKey: privateKey)
        case .suite2:
            do {
                let point = try crypto.p256PublicKey(privateKey: privateKey)
                x = point.x
                y = point.y
            } catch {
                throw .keyGenerationFailed("the P-256 private key was refused (\(error))")
            }
        }
        var buffer = [UInt8](repeating: 0, count: EDHOCLimits.maxCredentialByteCount)
        var count = 0
        do {
            var w = ByteWriter(buffer.mutableSpan)
            try EDHOCCredential.writeCCS(suite: suite, subject: Array(credentialSubject.utf8).span, keyID: keyID.span,
                                         x: x, y: y, into: &w)
            count = w.count
        } catch {
            throw .keyGenerationFailed("the credential could not be encoded (\(error))")
        }
        buffer.removeSubrange(count...)
        return buffer
    }

    /// The kid of a credential, checked to parse.
    private static func keyID(of credential: [UInt8], path: String) throws(KeyStoreError) -> [UInt8] {
        do {
            let parsed = try EDHOCCredential(ccs: credential.span)
            return (0..<parsed.keyID.count).map { parsed.keyID[$0] }
        } catch {
            throw .inconsistentKeyFile(path: path, reason: "its credential does not parse (\(error))")
        }
    }

    /// A new array with the bytes of a key; its owner wipes it.
    static func bytes(of key: Bytes32) -> [UInt8] {
        var array = [UInt8](repeating: 0, count: Bytes32.count)
        for i in 0..<Bytes32.count { array[i] = key[i] }
        return array
    }
}

import Foundation
import RampartGateway
import RampartHostCrypto
import RampartProtocol
import RampartRegistry
import Testing

@Suite("Gateway key store")
struct GatewayKeyStoreTests {
    @Test func firstStartCreatesPrivateDirectoryAndKeyFiles() throws {
        let root = TemporaryDirectory()
        defer { root.remove() }
        let dataDirectory = root.file("nested/data")
        var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: nil, crypto: HostCrypto())
        defer { for i in keys.indices { keys[i].wipe() } }

        #expect(keys.map(\.suite) == [0, 2])
        #expect(try mode(of: dataDirectory) == 0o700)
        #expect(try mode(of: dataDirectory + "/gateway-suite0.key") == 0o600)
        #expect(try mode(of: dataDirectory + "/gateway-suite2.key") == 0o600)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDirectory).sorted()
                == ["gateway-suite0.key", "gateway-suite2.key"])
        let kids = try keys.map { key in
            let credential = try EDHOCCredential(ccs: key.credential.span)
            return (0..<credential.keyID.count).map { credential.keyID[$0] }
        }
        #expect(kids.allSatisfy { $0.count == 2 })
        #expect(kids[0] != kids[1])
    }

    @Test func secondStartLoadsTheSameKeys() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let crypto = try HostCrypto()
        var first = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        var second = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        defer {
            for i in first.indices { first[i].wipe() }
            for i in second.indices { second[i].wipe() }
        }
        #expect(first.map(\.credential) == second.map(\.credential))
        #expect(first.map(\.privateKey) == second.map(\.privateKey))
        #expect(first[0].privateKey != first[1].privateKey)
        for suite: Int32 in [0, 2] {
            #expect(try GatewayKeyStore.credential(suite: suite, dataDirectory: directory.path)
                    == first.first { $0.suite == suite }?.credential)
        }
        #expect(throws: KeyStoreError.unsupportedSuite(1)) {
            try GatewayKeyStore.credential(suite: 1, dataDirectory: directory.path)
        }
    }

    @Test func credentialsAreCCSOfTheirSuiteAndMatchThePrivateKeys() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let crypto = try HostCrypto()
        var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        defer { for i in keys.indices { keys[i].wipe() } }
        for key in keys {
            let credential = try EDHOCCredential(ccs: key.credential.span)
            #expect(credential.suite.rawValue == key.suite)
            #expect(key.credential.count <= EDHOCLimits.maxCredentialByteCount)
            #expect(key.credential.starts(with: [0xA2, 0x02, 0x6F] + Array("rampart-gateway".utf8)))
            let staticKey = try EDHOCStaticKey(crypto: crypto, privateKey: inline32(key.privateKey), credential: credential)
            staticKey.destroy()
            // The check can fail: another private key does not match this credential.
            var other = key.privateKey
            other[5] ^= 0x40
            #expect(throws: EDHOCError.self) {
                let wrong = try EDHOCStaticKey(crypto: crypto, privateKey: inline32(other), credential: credential)
                wrong.destroy()
            }
        }
    }

    @Test func sealedKeysNeedTheRightSealingKey() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let crypto = try HostCrypto()
        let sealingBytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let rawSealingKey = directory.file("sealing.key")
        try writePrivately(sealingBytes, to: rawSealingKey)
        let dataDirectory = directory.file("data")

        var created = try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: rawSealingKey, crypto: crypto)
        defer { for i in created.indices { created[i].wipe() } }
        for key in created {
            let file = try readBytes(dataDirectory + "/gateway-suite\(key.suite).key")
            #expect(!contains(file, key.privateKey), "the private key is stored in the clear")
            #expect(contains(file, key.credential))
        }

        // The same key written as hex opens them.
        let hexSealingKey = directory.file("sealing.hex")
        try writePrivately(Array((sealingBytes.hexString + "\n").utf8), to: hexSealingKey)
        var loaded = try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: hexSealingKey, crypto: crypto)
        defer { for i in loaded.indices { loaded[i].wipe() } }
        #expect(loaded.map(\.privateKey) == created.map(\.privateKey))

        // The public part needs no sealing key.
        #expect(try GatewayKeyStore.credential(suite: 2, dataDirectory: dataDirectory) == created[1].credential)

        #expect(throws: KeyStoreError.sealedKeyNeedsSealingKey(path: dataDirectory + "/gateway-suite0.key")) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: nil, crypto: crypto)
        }
        var wrongBytes = sealingBytes
        wrongBytes[0] ^= 1
        let wrongSealingKey = directory.file("wrong.key")
        try writePrivately(wrongBytes, to: wrongSealingKey)
        let wrong = try #require(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: wrongSealingKey, crypto: crypto)
        }
        #expect(wrong == .wrongSealingKey(path: dataDirectory + "/gateway-suite0.key", sealingKeyFile: wrongSealingKey))

        let notAKey = directory.file("short.key")
        try writePrivately(Array("0123".utf8), to: notAKey)
        #expect(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: dataDirectory, sealingKeyFile: notAKey, crypto: crypto)
        }
    }

    @Test func anUnsealedKeyIsRefusedWhenASealingKeyIsConfigured() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let crypto = try HostCrypto()
        var plain = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        for i in plain.indices { plain[i].wipe() }
        let sealingKey = directory.file("sealing.key")
        try writePrivately((0..<32).map { _ in UInt8.random(in: 0...255) }, to: sealingKey)
        let error = try #require(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: sealingKey, crypto: crypto)
        }
        #expect(error == .unsealedKeyWithSealingKey(path: directory.file("gateway-suite0.key"), sealingKeyFile: sealingKey))
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let crypto = try HostCrypto()
        var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        for i in keys.indices { keys[i].wipe() }
        let path = directory.file("gateway-suite2.key")
        try setMode(0o644, of: path)
        let error = try #require(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        }
        #expect(error == .insecurePermissions(path: path, mode: 0o644))
        #expect(String(describing: error).contains("chmod 600 \(path)"))
        // Fixed as the message says, it loads again.
        try setMode(0o600, of: path)
        var again = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        for i in again.indices { again[i].wipe() }
    }

    @Test func aSealingKeyOthersCanReadIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let sealingKey = directory.file("sealing.key")
        try writePrivately((0..<32).map { _ in UInt8.random(in: 0...255) }, to: sealingKey)
        try setMode(0o640, of: sealingKey)
        #expect(throws: KeyStoreError.insecurePermissions(path: sealingKey, mode: 0o640)) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: directory.file("data"), sealingKeyFile: sealingKey,
                                             crypto: HostCrypto())
        }
    }

    @Test func aDamagedKeyFileIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let crypto = try HostCrypto()
        var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        for i in keys.indices { keys[i].wipe() }
        let path = directory.file("gateway-suite0.key")
        var bytes = try readBytes(path)
        // The last byte belongs to the private key: the credential no longer matches it.
        bytes[bytes.count - 1] ^= 0x01
        try FileManager.default.removeItem(atPath: path)
        try writePrivately(bytes, to: path)
        let mismatch = try #require(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        }
        guard case .inconsistentKeyFile = mismatch else {
            Issue.record("expected inconsistentKeyFile, got \(mismatch)")
            return
        }
        try FileManager.default.removeItem(atPath: path)
        try writePrivately(Array("hello".utf8), to: path)
        let garbage = try #require(throws: KeyStoreError.self) {
            try GatewayKeyStore.loadOrCreate(dataDirectory: directory.path, sealingKeyFile: nil, crypto: crypto)
        }
        guard case .malformedKeyFile = garbage else {
            Issue.record("expected malformedKeyFile, got \(garbage)")
            return
        }
        #expect(throws: KeyStoreError.missingKeyFile(path: directory.file("nothing/gateway-suite0.key"))) {
            try GatewayKeyStore.credential(suite: 0, dataDirectory: directory.file("nothing"))
        }
    }

    @Test func adminTokenIsCreatedOncePrivately() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let token = try AdminToken.loadOrCreate(dataDirectory: directory.path)
        #expect(token.count == 64)
        #expect([UInt8](hexString: token)?.count == 32)
        #expect(try AdminToken.loadOrCreate(dataDirectory: directory.path) == token)
        #expect(try mode(of: directory.file("admin.token")) == 0o600)
        let other = TemporaryDirectory()
        defer { other.remove() }
        #expect(try AdminToken.loadOrCreate(dataDirectory: other.path) != token)
    }
}

/// Writes a new file with mode 0600 (as an operator would with umask 077).
func writePrivately(_ bytes: [UInt8], to path: String) throws {
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
    try setMode(0o600, of: path)
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
}

// The device's X25519 against libsodium's crypto_scalarmult on random and edge inputs.
import Foundation
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("X25519: device vs libsodium")
struct X25519DifferentialTests {
    static let caseCount = 1500

    /// u-coordinates of small order and their non-canonical encodings, as libsodium lists them
    /// (0, 1, the two points of order 8, p − 1, p, p + 1; RFC 7748 §6.1 says to reject their
    /// all-zero results). Checked: every one gives an all-zero result under pyca/cryptography.
    static let smallOrderU: [String] = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]

    let sodium: Sodium
    init() throws { sodium = try Sodium() }

    @Test func scalarMultMatchesLibsodium() throws {
        var random = TestRandom("x25519")
        for index in 0..<Self.caseCount {
            let scalar = random.bytes32()
            var u = random.bytes32()
            // Bit 255 must be ignored (RFC 7748 §5); set it on every other case.
            if index & 1 == 0 { u[31] |= 0x80 }
            let reference = try sodium.x25519(scalar: scalar, uCoordinate: u)
            try #require(X25519.scalarMult(scalar: scalar, uCoordinate: u).array == reference.array,
                         "k \(scalar.array.hex) u \(u.array.hex) \(random.context(index))")
        }
    }

    @Test func publicKeyMatchesLibsodiumBase() throws {
        var random = TestRandom("x25519-base")
        for index in 0..<Self.caseCount {
            let scalar = random.bytes32()
            try #require(X25519.publicKey(privateKey: scalar).array == sodium.x25519PublicKey(privateKey: scalar).array,
                         "k \(scalar.array.hex) \(random.context(index))")
        }
    }

    /// Both refuse every small-order u, with and without bit 255 set.
    @Test func smallOrderInputsAreRejectedByBoth() throws {
        var random = TestRandom("x25519-small-order")
        for (index, hex) in Self.smallOrderU.enumerated() {
            for topBit: UInt8 in [0, 0x80] {
                var u = Bytes32(hex: hex)
                u[31] |= topBit
                let scalar = random.bytes32()
                #expect(X25519.scalarMult(scalar: scalar, uCoordinate: u).array == Bytes32.zero.array,
                        "u \(u.array.hex) \(random.context(index))")
                #expect(throws: CryptoError.weakSharedSecret, "u \(u.array.hex)") {
                    try X25519.sharedSecret(privateKey: scalar, publicKey: u)
                }
                #expect(throws: SodiumError.weakSharedSecret, "u \(u.array.hex)") {
                    try sodium.x25519(scalar: scalar, uCoordinate: u)
                }
            }
        }
    }

    /// u in [p, 2^255) is reduced mod p (RFC 7748 §5: implementations must accept
    /// non-canonical values); p + k for k = 2…18, with and without bit 255.
    @Test func nonCanonicalInputsMatchLibsodium() throws {
        var random = TestRandom("x25519-non-canonical")
        for k in 2...18 {
            for topBit: UInt8 in [0, 0x80] {
                var u = Bytes32(repeating: 0xff)
                u[0] = 0xed + UInt8(k)
                u[31] = 0x7f | topBit
                let scalar = random.bytes32()
                let reference = try sodium.x25519(scalar: scalar, uCoordinate: u)
                #expect(X25519.scalarMult(scalar: scalar, uCoordinate: u).array == reference.array,
                        "k \(scalar.array.hex) u \(u.array.hex) \(random.context(k))")
            }
        }
    }

    /// Every Wycheproof x25519 case through both: the same secret, or both refusing it.
    @Test func wycheproofCasesAgreeWithLibsodium() throws {
        let cases = try WycheproofX25519.load()
        try #require(cases.count > 500)
        var refused = 0
        for test in cases {
            let device = try? X25519.sharedSecret(privateKey: test.privateKey, publicKey: test.publicKey)
            let reference = try? sodium.x25519(scalar: test.privateKey, uCoordinate: test.publicKey)
            #expect(device?.array == reference?.array, "Wycheproof tcId \(test.id)")
            if let reference { #expect(reference.array == test.shared, "Wycheproof tcId \(test.id)") } else { refused += 1 }
        }
        // The file's all-zero shared secrets (SOURCES-x25519.md counts 31), and nothing else.
        #expect(refused == cases.filter { $0.shared.allSatisfy { $0 == 0 } }.count)
        #expect(refused > 0)
    }
}

/// Cases of Tests/Vectors/wycheproof_x25519_test.json (Project Wycheproof; the source is named
/// in Tests/Vectors/SOURCES-x25519.md).
struct WycheproofX25519 {
    let id: Int
    let privateKey: Bytes32
    let publicKey: Bytes32
    let shared: [UInt8]

    static func load() throws -> [WycheproofX25519] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/wycheproof_x25519_test.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let groups = root?["testGroups"] as? [[String: Any]] ?? []
        return groups.flatMap { group in
            (group["tests"] as? [[String: Any]] ?? []).compactMap { test in
                guard let id = test["tcId"] as? Int, let privateHex = test["private"] as? String,
                      let publicHex = test["public"] as? String, let sharedHex = test["shared"] as? String,
                      privateHex.count == 64, publicHex.count == 64 else { return nil }
                return WycheproofX25519(id: id, privateKey: Bytes32(hex: privateHex),
                                        publicKey: Bytes32(hex: publicHex), shared: hexBytes(sharedHex))
            }
        }
    }
}

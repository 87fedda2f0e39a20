import RampartCrypto
import RampartGateway
import RampartHostCrypto
import RampartProtocol

/// The simulator's devices, derived from a seed: device i of seed S always has the same
/// static key, kid and credential, so a gateway's registry can be filled before the run
/// (`records`, or `rampart sim --register-into`) and a second run finds it filled.
///
/// These keys are reproducible by anyone who knows the seed: simulation only, never for a
/// real device.
public enum SimulatedFleet {
    /// Most devices one fleet can have: kids are 4 bytes, one per index.
    public static let maxDeviceCount = 1 << 24
    /// The behaviour group simulated devices are registered in.
    public static let group = "simulated"

    /// The registry rows for devices 0..<count of `seed`, for `DeviceRegistrar.add`.
    public static func records(count: Int, seed: UInt64, suite: Int32,
                               policy: DevicePolicy = DevicePolicy(group: group)) throws -> [DeviceRecord] {
        let crypto = try HostCrypto()
        return try (0..<count).map { index in
            var identity = try SimulatedIdentity(index: index, seed: seed, suite: suite, crypto: crypto)
            defer { identity.wipe() }
            return DeviceRecord(kid: identity.kid, credential: identity.credential, suites: [suite], policy: policy,
                                status: .active, label: "rampart-sim seed \(seed) device \(index)")
        }
    }
}

/// One simulated device's identity: its static private key, kid and credential (CRED_I).
public struct SimulatedIdentity: Sendable {
    public let index: Int
    /// 4 bytes: the index XOR a mask drawn from the seed, so kids are unique within a fleet
    /// and differ between seeds.
    public let kid: [UInt8]
    /// The CCS (RFC 8392) with the public key, as the registry stores it.
    public let credential: [UInt8]
    /// The static private key. Secret (though derived from the seed): `wipe()` after use.
    public private(set) var privateKey: Bytes32

    /// Derives device `index` of `seed` for `suite` (0: X25519, 2: P-256).
    public init(index: Int, seed: UInt64, suite: Int32, crypto: HostCrypto) throws(SimulatorError) {
        guard let cipherSuite = EDHOCCipherSuite(rawValue: suite) else { throw .unsupportedSuite(suite) }
        guard index >= 0, index < SimulatedFleet.maxDeviceCount else {
            throw .invalidOption("a fleet has at most \(SimulatedFleet.maxDeviceCount) devices")
        }
        let mask = Self.hash(crypto, label: "rampart-sim kid", seed: seed, suite: suite, index: 0, counter: 0)
        let value = UInt32(index) ^ (UInt32(mask[0]) << 24 | UInt32(mask[1]) << 16 | UInt32(mask[2]) << 8 | UInt32(mask[3]))
        let kid = [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]

        // A P-256 scalar must lie in [1, n − 1]: draw again (with a counter) in the rare
        // case it does not.
        var counter: UInt32 = 0
        var key = Bytes32.zero
        var x = Bytes32.zero
        var y: Bytes32? = nil
        while true {
            key = Self.hash(crypto, label: "rampart-sim key", seed: seed, suite: suite, index: UInt32(index),
                            counter: counter)
            if cipherSuite == .suite0 {
                x = crypto.x25519PublicKey(privateKey: key)
                break
            }
            if let point = try? crypto.p256PublicKey(privateKey: key) {
                x = point.x
                y = point.y
                break
            }
            counter += 1
        }
        var buffer = [UInt8](repeating: 0, count: EDHOCLimits.maxCredentialByteCount)
        var written = 0
        let subject = Array("rampart-sim \(index)".utf8)
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            do throws(EDHOCError) {
                try EDHOCCredential.writeCCS(suite: cipherSuite, subject: subject.span, keyID: kid.span, x: x, y: y,
                                             into: &writer)
            } catch {
                key.wipe()
                throw SimulatorError.invalidOption("cannot encode the credential of device \(index): \(error)")
            }
            written = writer.count
        }
        self.index = index
        self.kid = kid
        self.credential = Array(buffer.prefix(written))
        self.privateKey = key
        key.wipe()
    }

    /// The device's static key for EDHOC, checked against its credential.
    public func staticKey(crypto: HostCrypto) throws(SimulatorError) -> EDHOCStaticKey {
        do {
            let parsed = try EDHOCCredential(ccs: credential.span)
            return try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: parsed)
        } catch {
            throw .invalidOption("device \(index)'s key does not match its credential: \(error)")
        }
    }

    /// Zeroes the private key.
    public mutating func wipe() { privateKey.wipe() }

    /// SHA-256(label ‖ seed ‖ suite ‖ index ‖ counter), fixed-width big-endian fields.
    static func hash(_ crypto: HostCrypto, label: String, seed: UInt64, suite: Int32, index: UInt32,
                     counter: UInt32) -> Bytes32 {
        var input = Array(label.utf8)
        for shift in stride(from: 56, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        input.append(UInt8(truncatingIfNeeded: suite))
        for shift in stride(from: 24, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: index >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: counter >> UInt32(shift))) }
        return crypto.sha256(input.span)
    }
}

extension SimulatedFleet {
    /// What `register` did.
    public struct Registration: Sendable, Equatable {
        public var added = 0
        /// Devices the registry already had with this very credential (an earlier run).
        public var alreadyPresent = 0
        /// The records added (for the ledger's registration entries).
        public var addedRecords: [DeviceRecord] = []
    }

    /// Adds devices 0..<count of `seed` to `registry` (the SQLite registry of a gateway's
    /// data directory, or an in-memory one). A device already registered with the same
    /// credential is left as it is, so a second run with the same seed needs no cleanup;
    /// a kid registered with another credential is an error.
    public static func register(count: Int, seed: UInt64, suite: Int32, into registry: any DeviceRegistrar,
                                policy: DevicePolicy = DevicePolicy(group: group)) throws -> Registration {
        var result = Registration()
        for record in try records(count: count, seed: seed, suite: suite, policy: policy) {
            if let existing = try registry.device(kid: record.kid) {
                guard existing.credential == record.credential else {
                    throw SimulatorError.invalidOption(
                        "kid \(record.kid.hexString) is registered with another credential: use another --seed")
                }
                result.alreadyPresent += 1
                continue
            }
            try registry.add(record)
            result.added += 1
            result.addedRecords.append(record)
        }
        return result
    }
}

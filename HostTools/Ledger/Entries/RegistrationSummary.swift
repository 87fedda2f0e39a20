import CSodium
import RampartGateway

/// A device registration as the ledger records it (docs/ledger.md, type 1): enough to prove
/// later which credential was registered, by which tool, under which policy and why, without
/// storing the registration data itself — only its salted hash. Whoever holds the data (the
/// provisioning record, the operator's inventory) can show it matches; no one can recover it
/// from the ledger or test guesses against it without the salt.
public struct RegistrationSummary: Sendable, Equatable {
    /// Bytes of the random salt.
    public static let saltByteCount = 16

    public var kid: [UInt8]
    public var credentialSHA256: [UInt8]
    public var registrationSalt: [UInt8]
    /// SHA-256(salt ‖ registration data).
    public var registrationHash: [UInt8]
    public var suites: [Int32]
    public var policy: DevicePolicy
    /// Which tool registered it (`rampart provision`, `rampart devices add`, `rampart sim`).
    public var tool: String
    public var reason: String

    /// Summarises `record`; `registrationData` is everything the tool knew of the device (the
    /// provisioning offer, the operator's input), hashed with a fresh random salt.
    public init(record: DeviceRecord, registrationData: [UInt8], tool: String, reason: String) {
        var salt = [UInt8](repeating: 0, count: Self.saltByteCount)
        salt.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        self.init(record: record, registrationData: registrationData, salt: salt, tool: tool, reason: reason)
    }

    /// With a given salt (tests; re-checking a claimed registration).
    public init(record: DeviceRecord, registrationData: [UInt8], salt: [UInt8], tool: String, reason: String) {
        kid = record.kid
        credentialSHA256 = LedgerDigest.sha256(record.credential)
        registrationSalt = salt
        registrationHash = LedgerDigest.sha256(salt + registrationData)
        suites = record.suites
        policy = record.policy
        self.tool = tool
        self.reason = reason
    }

    /// The registration data a tool hashes: the record as registered plus what the tool
    /// learnt of the device (`extra`, e.g. the board's device id and firmware), canonical CBOR.
    public static func registrationData(_ record: DeviceRecord, extra: [(String, CBORValue)] = []) -> [UInt8] {
        CBORValue.textMap([
            ("kid", .bytes(record.kid)), ("credential", .bytes(record.credential)),
            ("suites", .array(record.suites.map { .int(Int64($0)) })), ("policy", PolicyEncoding.encode(record.policy)),
            ("label", .text(record.label)),
        ] + extra).encoded()
    }

    public func pendingEntry(time: UInt64) -> PendingEntry {
        PendingEntry(type: .registration, time: time, body: .textMap([
            ("kid", .bytes(kid)),
            ("credential_sha256", .bytes(credentialSHA256)),
            ("registration_salt", .bytes(registrationSalt)),
            ("registration_hash", .bytes(registrationHash)),
            ("suites", .array(suites.map { .int(Int64($0)) })),
            ("policy", PolicyEncoding.encode(policy)),
            ("tool", .text(tool)),
            ("reason", .text(reason)),
        ]))
    }
}

/// A device policy inside ledger entries.
enum PolicyEncoding {
    static func encode(_ policy: DevicePolicy) -> CBORValue {
        .textMap([
            ("group", .text(policy.group)),
            ("rekey_interval_s", .int(Int64(policy.rekeyIntervalSeconds))),
            ("telemetry_interval_s", .int(Int64(policy.telemetryIntervalSeconds))),
        ])
    }
}

/// SHA-256 for entry bodies.
public enum LedgerDigest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { LedgerFormatSupport.sha256(bytes) }
}

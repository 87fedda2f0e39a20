import RampartDevice
import RampartGateway

/// What the operator asks of a board: the key's suite, its kid, its policy and how the
/// registry should list it.
public struct ProvisioningRequest: Sendable {
    /// The EDHOC cipher suite of the board's static key: 0 (X25519) or 2 (P-256).
    public var suite: Int32
    /// The kid to assign (1–8 bytes), or nil for a random `randomKeyIDByteCount`-byte kid no
    /// registered device has.
    public var keyID: [UInt8]?
    /// The policy sent to the board (docs/provisioning.md `policy`).
    public var policy: ProvisioningPolicy
    /// The registry's behaviour group.
    public var group: String
    /// The registry's label for people.
    public var label: String
    /// Factory-reset a provisioned board first (its old identity is destroyed).
    public var factoryReset: Bool
    public var timing: ProvisioningTiming

    /// Bytes of a random kid: four give 2^32 values, so a fleet of thousands draws a free one
    /// at the first try, and the kid stays short in every EDHOC message_3 (ID_CRED_I).
    public static let randomKeyIDByteCount = 4
    /// The suites the gateway has keys for.
    public static let suites: [Int32] = [0, 2]

    public init(suite: Int32 = 0, keyID: [UInt8]? = nil, policy: ProvisioningPolicy = ProvisioningPolicy(),
                group: String = DevicePolicy.default.group, label: String = "", factoryReset: Bool = false,
                timing: ProvisioningTiming = ProvisioningTiming()) {
        self.suite = suite
        self.keyID = keyID
        self.policy = policy
        self.group = group
        self.label = label
        self.factoryReset = factoryReset
        self.timing = timing
    }

    /// The registry's policy for the device. The registry keeps whole seconds, so a
    /// telemetry interval under a second, or with a fraction, is rounded up: the gateway then
    /// expects telemetry at most as often as the board sends it, never more often.
    public var devicePolicy: DevicePolicy {
        let milliseconds = Int(policy.telemetryIntervalMilliseconds)
        return DevicePolicy(group: group, rekeyIntervalSeconds: Int(policy.rekeyIntervalSeconds),
                            telemetryIntervalSeconds: max(1, (milliseconds + 999) / 1000))
    }

    /// Checks what can be checked before a board is touched.
    public func validate() throws(ProvisioningError) {
        guard Self.suites.contains(suite) else {
            throw .invalidRequest("cipher suite \(suite) is not one the gateway has a key for (0 or 2)")
        }
        if let keyID, !(1...ProvisioningKeyID.maxCount).contains(keyID.count) {
            throw .invalidRequest("a kid has 1 to \(ProvisioningKeyID.maxCount) bytes; \(keyID.hexString) has \(keyID.count)")
        }
        guard policy.telemetryIntervalMilliseconds > 0 else {
            throw .invalidRequest("the telemetry interval must be positive")
        }
        guard policy.rekeyIntervalSeconds > 0 else {
            throw .invalidRequest("the re-key interval must be positive (the gateway's registry requires one; "
                                  + "for rare re-keys give a long one, e.g. 86400 for daily)")
        }
        guard policy.ackTimeoutMilliseconds > 0 else { throw .invalidRequest("the ACK timeout must be positive") }
        guard policy.quarantineBackOffBaseMilliseconds > 0,
              policy.quarantineBackOffCapMilliseconds >= policy.quarantineBackOffBaseMilliseconds else {
            throw .invalidRequest("the quarantine back-off needs 0 < BASE ≤ CAP (milliseconds)")
        }
        guard !group.isEmpty else { throw .invalidRequest("the group name must not be empty") }
    }
}

/// How long each step waits. A board just plugged in may still be booting (and a J-Link
/// probe enumerates before its target runs), so `status` is repeated; the other steps are
/// asked once, since repeating them could not help: a board that lost a `hello` or a
/// `provision` lost its state with it.
public struct ProvisioningTiming: Sendable {
    /// One `status` attempt's wait.
    public var statusAttemptSeconds: Double
    /// All `status` attempts together.
    public var statusSeconds: Double
    /// `offer` (key generation: a P-256 key takes ~1 s on a Cortex-M0) and `reset-done`
    /// (erasing two flash pages).
    public var answerSeconds: Double
    /// `done`: building CRED_I, writing the record to flash and reading it back.
    public var confirmationSeconds: Double

    public init(statusAttemptSeconds: Double = 0.5, statusSeconds: Double = 10, answerSeconds: Double = 5,
                confirmationSeconds: Double = 10) {
        self.statusAttemptSeconds = statusAttemptSeconds
        self.statusSeconds = statusSeconds
        self.answerSeconds = answerSeconds
        self.confirmationSeconds = confirmationSeconds
    }

    /// How many `status` requests fit into `statusSeconds`, at least one.
    var statusAttempts: Int { max(1, Int((statusSeconds / statusAttemptSeconds).rounded(.up))) }
}

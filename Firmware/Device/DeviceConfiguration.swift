import RampartProtocol

/// CoAP message transmission parameters (RFC 7252 §4.8). The defaults are the RFC's; the
/// simulator and the tests shorten them. Integers only: the random factor is per mille.
public struct CoAPTransmissionParameters: Sendable, Equatable {
    /// ACK_TIMEOUT: the shortest initial retransmission timeout (RFC 7252: 2 s).
    public var ackTimeoutMilliseconds: UInt32
    /// ACK_RANDOM_FACTOR × 1000 (RFC 7252: 1.5 → 1500): the initial timeout is drawn from
    /// [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR].
    public var ackRandomFactorPerMille: UInt32
    /// MAX_RETRANSMIT (RFC 7252: 4).
    public var maxRetransmit: UInt8
    /// How long to wait for a separate response after an empty ACK (RFC 7252 §5.2.2 leaves
    /// it to the client; EXCHANGE_LIFETIME is 247 s, far too long for telemetry).
    public var separateResponseTimeoutMilliseconds: UInt32

    public init(ackTimeoutMilliseconds: UInt32 = 2000, ackRandomFactorPerMille: UInt32 = 1500,
                maxRetransmit: UInt8 = 4, separateResponseTimeoutMilliseconds: UInt32 = 30_000) {
        self.ackTimeoutMilliseconds = ackTimeoutMilliseconds
        self.ackRandomFactorPerMille = max(1000, ackRandomFactorPerMille)
        self.maxRetransmit = min(maxRetransmit, 16)
        self.separateResponseTimeoutMilliseconds = separateResponseTimeoutMilliseconds
    }

    public static let rfc7252 = CoAPTransmissionParameters()
}

/// A jittered exponential back-off: the n-th consecutive wait (n = 0, 1, …) is drawn from
/// [d/2, d] with d = min(cap, base × 2^n) ("equal jitter"), so waits grow while devices
/// that failed together spread out.
public struct BackOffPolicy: Sendable, Equatable {
    public var baseMilliseconds: UInt32
    public var capMilliseconds: UInt32

    public init(baseMilliseconds: UInt32, capMilliseconds: UInt32) {
        self.baseMilliseconds = max(1, baseMilliseconds)
        self.capMilliseconds = max(self.baseMilliseconds, capMilliseconds)
    }

    /// d for the attempt-th consecutive wait, before jitter.
    public func ceilingMilliseconds(attempt: UInt32) -> UInt32 {
        var d = UInt64(baseMilliseconds)
        var n: UInt32 = 0
        while n < attempt && d < UInt64(capMilliseconds) {
            d &<<= 1
            n += 1
        }
        return UInt32(min(d, UInt64(capMilliseconds)))
    }

    /// The wait for the attempt-th consecutive failure, jittered by 32 random bits.
    public func delayMilliseconds(attempt: UInt32, random: UInt32) -> UInt32 {
        let d = ceilingMilliseconds(attempt: attempt)
        let half = d &>> 1
        return half &+ DeviceArithmetic.scale(random, below: d &- half &+ 1)
    }
}

/// What the device application is told at start (issue 4: by the simulator or the board's
/// image; issue 5: from the policy the provisioning tool stores in flash).
public struct DeviceConfiguration: Sendable, Equatable {
    /// Time between telemetry readings.
    public var telemetryIntervalMilliseconds: UInt32
    /// Scheduled full re-key after this many seconds of a session (`DevicePolicy`); 0 never.
    public var rekeyIntervalSeconds: UInt32
    /// Re-key before the OSCORE key limits (draft-ietf-core-oscore-key-limits: q = 2^20,
    /// v = 2^14) are reached: after this many protected messages…
    public var rekeyAfterProtectedMessages: UInt32
    /// … or this many failed decryptions.
    public var rekeyAfterFailedDecryptions: UInt32
    public var transmission: CoAPTransmissionParameters
    /// After a failed handshake (timeout, bad MAC, ERR_CODE 1 without a known diagnostic).
    public var handshakeBackOff: BackOffPolicy
    /// While quarantined ("quarantined" EDHOC error).
    public var quarantineBackOff: BackOffPolicy
    /// After errors that only an operator fixes: unknown credential (ERR_CODE 3) or no
    /// common cipher suite (ERR_CODE 2).
    public var configurationBackOff: BackOffPolicy
    /// Echo challenges (RFC 9175) answered in a row before the attempt counts as failed.
    public var maxEchoRetries: UInt8
    /// Wait after 5.03 without Max-Age (RFC 7252 §5.10.5: Max-Age defaults to 60 s).
    public var defaultMaxAgeSeconds: UInt32

    public init(telemetryIntervalMilliseconds: UInt32 = 10_000, rekeyIntervalSeconds: UInt32 = 3600,
                rekeyAfterProtectedMessages: UInt32 = DeviceConfiguration.defaultRekeyAfterProtectedMessages,
                rekeyAfterFailedDecryptions: UInt32 = DeviceConfiguration.defaultRekeyAfterFailedDecryptions,
                transmission: CoAPTransmissionParameters = .rfc7252,
                handshakeBackOff: BackOffPolicy = BackOffPolicy(baseMilliseconds: 1000, capMilliseconds: 60_000),
                quarantineBackOff: BackOffPolicy = BackOffPolicy(baseMilliseconds: 5000, capMilliseconds: 600_000),
                configurationBackOff: BackOffPolicy = BackOffPolicy(baseMilliseconds: 60_000, capMilliseconds: 3_600_000),
                maxEchoRetries: UInt8 = 2, defaultMaxAgeSeconds: UInt32 = 60) {
        self.telemetryIntervalMilliseconds = max(1, telemetryIntervalMilliseconds)
        self.rekeyIntervalSeconds = rekeyIntervalSeconds
        self.rekeyAfterProtectedMessages = rekeyAfterProtectedMessages
        self.rekeyAfterFailedDecryptions = rekeyAfterFailedDecryptions
        self.transmission = transmission
        self.handshakeBackOff = handshakeBackOff
        self.quarantineBackOff = quarantineBackOff
        self.configurationBackOff = configurationBackOff
        self.maxEchoRetries = maxEchoRetries
        self.defaultMaxAgeSeconds = defaultMaxAgeSeconds
    }

    /// 7/8 of limit_q: room for the re-key's own traffic before the hard limit.
    public static let defaultRekeyAfterProtectedMessages: UInt32 = OSCOREKeyUsage.limitQ &- (OSCOREKeyUsage.limitQ &>> 3)
    /// 1/2 of limit_v: failed decryptions at a device mean forgeries or a broken peer.
    public static let defaultRekeyAfterFailedDecryptions: UInt32 = OSCOREKeyUsage.limitV &>> 1
}

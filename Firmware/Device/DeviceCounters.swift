/// What a device counts about itself: the simulator's summary and, on a board, what the
/// failure-rate indicator and a debug console read. Plain integers; they wrap rather than
/// trap after 2^32 events.
public struct DeviceCounters: Sendable, Equatable {
    // Handshakes.
    public internal(set) var handshakesStarted: UInt32 = 0
    /// message_3 answered with 2.04: an OSCORE context is installed.
    public internal(set) var handshakesSucceeded: UInt32 = 0
    /// Attempts that ended without a session, whatever the class below.
    public internal(set) var handshakesFailed: UInt32 = 0
    /// From the first message_1 of a handshake to the 2.04 answering message_3, including
    /// Echo and suite retries: the latency the device experiences.
    public internal(set) var lastHandshakeLatencyMilliseconds: UInt32 = 0

    /// Round-trip time of the last exchange answered without a retransmission (Karn's rule:
    /// an answer to a retransmitted request could belong to either copy), up to its piggybacked
    /// response or its empty ACK. The samples `RoundTripEstimator` takes.
    public internal(set) var lastRoundTripMilliseconds: UInt32 = 0
    /// SRTT of the RTT estimator (RFC 6298), 0 before the first sample.
    public internal(set) var smoothedRoundTripMilliseconds: UInt32 = 0
    /// The current RTO: the initial timeout of the next exchange before ACK_RANDOM_FACTOR's
    /// jitter (`RoundTripEstimator`; ACK_TIMEOUT before the first sample).
    public internal(set) var retransmissionTimeoutMilliseconds: UInt32 = 0

    // Telemetry.
    public internal(set) var telemetrySent: UInt32 = 0
    /// Answered with an OSCORE-protected 2.04 that verified.
    public internal(set) var telemetryAcknowledged: UInt32 = 0

    // Re-keys: handshakes that replaced a session.
    /// Scheduled (`rekeyIntervalSeconds`) or due to the OSCORE key usage limits.
    public internal(set) var rekeysScheduled: UInt32 = 0
    /// Forced by the gateway: an unprotected 4.01 / 4.00 / 4.02 to an OSCORE request.
    public internal(set) var rekeysForced: UInt32 = 0
    /// Times the device went from another phase into `quarantined`.
    public internal(set) var quarantineEntries: UInt32 = 0

    // Failures by class (each also counted in `handshakesFailed` when it ended a handshake).
    /// CON requests retransmitted (RFC 7252 §4.2).
    public internal(set) var retransmissions: UInt32 = 0
    /// Exchanges that got no answer after MAX_RETRANSMIT retransmissions (or an RST).
    public internal(set) var exchangeTimeouts: UInt32 = 0
    /// 4.01 + Echo answered (RFC 9175): the gateway's admission control.
    public internal(set) var echoChallenges: UInt32 = 0
    /// EDHOC ERR_CODE 2 (wrong selected cipher suite).
    public internal(set) var suiteRejections: UInt32 = 0
    /// EDHOC ERR_CODE 3 (the gateway does not know this device's kid).
    public internal(set) var unknownCredentialErrors: UInt32 = 0
    /// EDHOC ERR_CODE 1 with a diagnostic other than "quarantined" and "revoked".
    public internal(set) var edhocErrors: UInt32 = 0
    /// 5.03 (Service Unavailable) to a handshake request: the gateway's half-open table is full.
    public internal(set) var serviceUnavailable: UInt32 = 0
    /// Unprotected 4.01 / 4.00 / 4.02 to an OSCORE request (see `rekeysForced`).
    public internal(set) var oscoreRejections: UInt32 = 0
    /// Responses that failed verification: message_2 with a bad MAC or shape, an OSCORE
    /// response that does not decrypt, an EDHOC or OSCORE response that is not what the
    /// profile allows.
    public internal(set) var protocolErrors: UInt32 = 0
    /// Datagrams that are not CoAP, or CoAP that matches no outstanding exchange.
    public internal(set) var unmatchedDatagrams: UInt32 = 0
    /// CoAP pings (Empty CON) answered with a Reset.
    public internal(set) var pingsAnswered: UInt32 = 0

    // Secret bookkeeping: every context derived is wiped, every EDHOC state started ends
    // (consumed by a transition that wipes it, or aborted). After `Device.shutdown()` the
    // pairs are equal; the tests hold the device to it.
    public internal(set) var oscoreContextsDerived: UInt32 = 0
    public internal(set) var oscoreContextsWiped: UInt32 = 0
    public internal(set) var edhocSessionsStarted: UInt32 = 0
    public internal(set) var edhocSessionsEnded: UInt32 = 0

    public init() {}
}

import RampartCrypto
import RampartProtocol

/// The device application (DESIGN.md §3, docs/gateway-protocol.md): EDHOC Initiator over
/// CoAP, then OSCORE-protected telemetry, re-keys and back-off — the same code on the boards
/// and in `rampart sim`.
///
/// Event-driven and transport-agnostic. The owner feeds it what arrives and asks it what to
/// send, with a monotonic clock in milliseconds:
///
///     device.receive(datagram, nowMilliseconds: now)        // every datagram that arrives
///     let out = device.poll(nowMilliseconds: now, into: &buffer)
///     if out.datagramByteCount > 0 { send(buffer[0..<out.datagramByteCount]) }
///     sleep until out.wakeAtMilliseconds (≤ now: poll again at once) or a datagram arrives
///
/// `receive` only changes state; `poll` does all the sending (first transmissions,
/// retransmissions, empty ACKs) and starts new work when it is due. At most one confirmable
/// request is in flight (NSTART = 1, RFC 7252 §4.7).
///
/// No heap, no existentials, no floating point: a fixed-size value, generic over the crypto
/// provider and the sensor. The EDHOC state is the protocol core's non-copyable typestate;
/// every path that leaves a state or a context zeroes it (see `DeviceCounters`' secret
/// bookkeeping). Call `shutdown()` to end a device: it wipes the static key too.
///
/// `DeviceApplication` puts provisioning in front: it builds the device once its identity
/// is read from flash, and takes the crypto provider back with `shutdown(returningCrypto:)`
/// after a factory reset. Retransmission timeouts come from a `RoundTripEstimator` fed by
/// the samples in `counters.lastRoundTripMilliseconds`.
public struct Device<Crypto: CryptoProvider, Sensor: DeviceSensor>: ~Copyable {
    public let configuration: DeviceConfiguration
    public internal(set) var phase: DevicePhase = .provisioned
    public internal(set) var counters = DeviceCounters()

    var crypto: Crypto
    var sensor: Sensor
    /// I and CRED_I (method 3). Destroyed by `shutdown()`.
    var staticKey: EDHOCStaticKey
    /// CRED_R: the gateway's credential for this device's suite.
    let gatewayCredential: EDHOCCredential
    /// The Initiator's suite preferences for a retry after ERR_CODE 2 (RFC 9528 §6.3.2):
    /// the static key's suite, the only one a method-3 Initiator with one key can complete.
    let suitePreferences: EDHOCSuites
    /// When the device started (uptime in telemetry).
    let startedAt: UInt64

    var exchange = ConfirmableExchange()
    /// RTO from the round trips measured (Karn's rule); ACK_TIMEOUT before the first.
    var roundTrip: RoundTripEstimator
    /// An Empty message the device still owes the gateway: the ACK of a separate CON
    /// response (RFC 7252 §5.2.2) or the Reset that answers a CoAP ping (§4.3).
    var owedEmptyMessage: OwedEmptyMessage? = nil
    var nextMessageID: UInt16

    var handshake = HandshakeProgress()
    var handshakeReason = HandshakeReason.initial
    /// message_1 sent, waiting for message_2.
    var waitM2: EDHOCInitiatorWaitM2? = nil
    /// Derived from the session that message_3 completed; installed on message_3's 2.04.
    var pendingContext: OSCORESecurityContext? = nil
    /// The session's context: telemetry goes through it.
    var context: OSCORESecurityContext? = nil
    /// Kept with the token of the telemetry request in flight, to verify its response.
    var telemetryBinding: OSCORERequestBinding? = nil

    /// When the next handshake may start (back-off, Max-Age).
    var nextHandshakeAt: UInt64
    var nextTelemetryAt: UInt64 = 0
    var rekeyDueAt = UInt64.max
    /// After a failed re-key, no new attempt before this, whatever the key usage says.
    var rekeyNotBefore: UInt64 = 0
    /// Consecutive failures: the back-off exponent.
    var backOffAttempts: UInt32 = 0
    var readingNumber: UInt32 = 0
    /// The local failure-rate indicator: an EWMA (weight 1/8) of exchange outcomes, 1 for a
    /// failure, as a Q16 fraction (65 536 = every exchange failed).
    var failureFractionQ16: UInt32 = 0

    /// A device that starts its first handshake on the first `poll`.
    ///
    /// - Throws: `DeviceError.suiteMismatch` when CRED_R is not for the static key's suite
    ///   (method 3 needs both parties' keys in the selected suite); the key is destroyed.
    public init(crypto: consuming Crypto, sensor: consuming Sensor, staticKey: consuming EDHOCStaticKey,
                gatewayCredential: EDHOCCredential, configuration: DeviceConfiguration,
                nowMilliseconds: UInt64) throws(DeviceError) {
        guard gatewayCredential.suite == staticKey.credential.suite else {
            staticKey.destroy()
            throw .suiteMismatch
        }
        self.init(checkedCrypto: crypto, sensor: sensor, staticKey: staticKey, gatewayCredential: gatewayCredential,
                  configuration: configuration, nowMilliseconds: nowMilliseconds)
    }

    /// The initializer proper, for callers that have checked CRED_R's suite (a
    /// `ProvisioningRecord` guarantees it): it cannot fail, so the crypto provider it
    /// consumes is never lost on an error path.
    init(checkedCrypto crypto: consuming Crypto, sensor: consuming Sensor, staticKey: consuming EDHOCStaticKey,
         gatewayCredential: EDHOCCredential, configuration: DeviceConfiguration, nowMilliseconds: UInt64) {
        let messageID = Self.initialMessageID(crypto: &crypto)
        self.init(checkedCrypto: crypto, sensor: sensor, staticKey: staticKey, gatewayCredential: gatewayCredential,
                  configuration: configuration, initialMessageID: messageID, nowMilliseconds: nowMilliseconds)
    }

    /// RFC 7252 §4.4: Message IDs start at a random value. Drawn before the device is built
    /// (`DeviceApplication` draws it in a frame of its own): the random generator's stack
    /// then never sits under the frame that holds the `Device` being built.
    static func initialMessageID(crypto: inout Crypto) -> UInt16 {
        var random = InlineArray<2, UInt8>(repeating: 0)
        var span = random.mutableSpan
        crypto.fillRandom(&span)
        return UInt16(random[0]) &<< 8 | UInt16(random[1])
    }

    @inline(never)
    init(checkedCrypto crypto: consuming Crypto, sensor: consuming Sensor, staticKey: consuming EDHOCStaticKey,
         gatewayCredential: EDHOCCredential, configuration: DeviceConfiguration, initialMessageID: UInt16,
         nowMilliseconds: UInt64) {
        let suite = staticKey.credential.suite
        var preferences = EDHOCSuites()
        // One element always fits.
        try? preferences.append(suite.rawValue)
        self.crypto = crypto
        self.sensor = sensor
        self.staticKey = staticKey
        self.gatewayCredential = gatewayCredential
        self.configuration = configuration
        self.suitePreferences = preferences
        self.startedAt = nowMilliseconds
        self.nextHandshakeAt = nowMilliseconds
        let ackTimeout = configuration.transmission.ackTimeoutMilliseconds
        self.roundTrip = RoundTripEstimator(minimumMilliseconds: ackTimeout,
                                            maximumMilliseconds: max(RoundTripEstimator.defaultMaximumMilliseconds, ackTimeout))
        self.counters.retransmissionTimeoutMilliseconds = roundTrip.timeoutMilliseconds
        self.nextMessageID = initialMessageID
    }

    /// Ends the device: aborts a handshake, wipes the OSCORE contexts and destroys the
    /// static key. Returns the final counters.
    public consuming func shutdown() -> DeviceCounters {
        abortHandshakeState()
        wipeContext()
        let final = counters
        staticKey.destroy()
        return final
    }

    /// Ends the device like `shutdown()` and hands back its crypto provider and sensor —
    /// moved, never copied: the same random streams continue with the next owner (the
    /// provisioning responder after a factory reset, then the next `Device`), so no
    /// ephemeral key or nonce repeats.
    public consuming func dismantle() -> DeviceParts<Crypto, Sensor> {
        abortHandshakeState()
        wipeContext()
        staticKey.destroy()
        return DeviceParts(crypto: crypto, sensor: sensor, counters: counters)
    }

    /// `dismantle()` for an owner that holds the device in an Optional, without moving the
    /// whole device through temporaries: wipes its secrets where it is and returns its crypto
    /// provider and sensor. The owner must drop the device at once (`device = nil`): the
    /// values returned are then the only ones left, their random streams continuing where the
    /// device left them — a move, as with `dismantle()`.
    mutating func dismantleInPlace() -> DeviceParts<Crypto, Sensor> {
        abortHandshakeState()
        wipeContext()
        staticKey.wipe()
        return DeviceParts(crypto: crypto, sensor: sensor, counters: counters)
    }

    /// The cipher suite of this device's key and of its handshakes.
    public var suite: Int32 { staticKey.credential.suite.rawValue }

    /// Whether an OSCORE context is installed (connected, or re-keying with the old one).
    public var hasSecurityContext: Bool { context != nil }

    /// The installed context's Sender ID (C_R, the gateway's name for the session), for
    /// logs and tests; nil without a context. Not a secret.
    public var senderID: OSCOREIdentifier? {
        switch context {
        case .some(let installed): installed.senderID
        case .none: nil
        }
    }

    /// The installed context's key usage (draft-ietf-core-oscore-key-limits).
    public var keyUsage: OSCOREKeyUsage? {
        switch context {
        case .some(let installed): installed.usage
        case .none: nil
        }
    }

    /// The local failure-rate indicator sent with telemetry, per mille.
    public var failurePerMille: UInt16 { Self.perMille(failureFractionQ16) }

    static func perMille(_ fractionQ16: UInt32) -> UInt16 {
        UInt16(truncatingIfNeeded: min(1000, (UInt64(fractionQ16) &* 1000) &>> 16))
    }
}

// MARK: In-place reads
//
// Embedded Swift passes a large struct to a non-mutating member by value: calling one from a
// mutating method, or reading a field through an Optional (`context?.senderID`, a borrowing
// `switch`), copies the whole value into the caller's stack frame first — all of a `Device`
// (about 1.5 KB) or an OSCORE context. The firmware's paths use these `mutating` reads
// instead, which work on the value where it is; the public computed properties above stay
// for callers that hold a `let`.
extension Device {
    /// `senderID` without copying the context (or the device).
    mutating func installedSenderID() -> OSCOREIdentifier? {
        context?.senderIDInPlace()
    }

    /// `keyUsage` without copying the context (or the device).
    mutating func installedKeyUsage() -> OSCOREKeyUsage? {
        context?.usageInPlace()
    }

    /// `phase`, read by an owner that holds the device in an Optional.
    mutating func currentPhase() -> DevicePhase { phase }

    /// `counters`, read by an owner that holds the device in an Optional.
    mutating func currentCounters() -> DeviceCounters { counters }
}

extension OSCORESecurityContext {
    mutating func senderIDInPlace() -> OSCOREIdentifier { senderID }
    mutating func usageInPlace() -> OSCOREKeyUsage { usage }
}

/// What `Device.dismantle()` hands back for the next device.
public struct DeviceParts<Crypto: CryptoProvider, Sensor: DeviceSensor> {
    /// The crypto provider, its random stream where the device left it.
    public var crypto: Crypto
    public var sensor: Sensor
    /// The device's final counters (its secrets all wiped).
    public var counters: DeviceCounters
}

/// Why a device could not be created.
public enum DeviceError: Error, Equatable, Sendable {
    /// CRED_R's key is not in the static key's suite.
    case suiteMismatch
}

/// What `Device.poll` produced.
public struct DevicePoll: Sendable, Equatable {
    /// Bytes of the datagram written at the start of the buffer; 0 when there is nothing
    /// to send.
    public let datagramByteCount: Int
    /// When to poll next if no datagram arrives first; at or before `now` when more is
    /// ready to send; `UInt64.max` when the device has stopped (revoked).
    public let wakeAtMilliseconds: UInt64

    public init(datagramByteCount: Int, wakeAtMilliseconds: UInt64) {
        self.datagramByteCount = datagramByteCount
        self.wakeAtMilliseconds = wakeAtMilliseconds
    }
}

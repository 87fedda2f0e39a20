import RampartCrypto
import RampartProtocol

extension Device {
    /// Writes the next datagram to send into `output` (at least
    /// `DeviceLimits.datagramByteCount` bytes) and says when to poll again. Does what is due
    /// at `nowMilliseconds`: an owed Empty message (ACK or Reset), a (re)transmission,
    /// giving up on an exchange, a new handshake, a re-key, a telemetry reading.
    public mutating func poll(nowMilliseconds now: UInt64, into output: inout MutableSpan<UInt8>) -> DevicePoll {
        // Each round either returns a datagram or changes the exchange's state; four rounds
        // cover "give up, then start the next thing, then transmit it".
        for _ in 0..<4 {
            if let owed = owedEmptyMessage {
                owedEmptyMessage = nil
                let count = owed.write(into: &output)
                return DevicePoll(datagramByteCount: count, wakeAtMilliseconds: nextWake(now: now))
            }
            switch exchange.step(now: now, maxRetransmit: configuration.transmission.maxRetransmit) {
            case .transmit:
                if exchange.transmissions > 1 { counters.retransmissions &+= 1 }
                let count = copyDatagram(into: &output)
                return DevicePoll(datagramByteCount: count, wakeAtMilliseconds: nextWake(now: now))
            case .giveUp:
                exchangeFailed(now: now)
                continue
            case .wait:
                break
            }
            guard exchange.isIdle, startNextExchange(now: now) else { break }
        }
        return DevicePoll(datagramByteCount: 0, wakeAtMilliseconds: nextWake(now: now))
    }

    /// When the device next has something to do, if nothing arrives before.
    mutating func nextWake(now: UInt64) -> UInt64 {
        if owedEmptyMessage != nil { return now }
        if !exchange.isIdle { return exchange.deadline }
        switch phase {
        case .provisioned, .handshaking, .quarantined:
            return nextHandshakeAt
        case .connected:
            return isRekeyDue(now: now) ? now : min(nextTelemetryAt, rekeyDueAt)
        case .rekeying:
            return now
        case .unprovisioned, .provisioning, .revoked:
            return UInt64.max
        }
    }

    /// Starts the exchange the phase calls for, if one is due. Returns whether one started.
    mutating func startNextExchange(now: UInt64) -> Bool {
        switch phase {
        case .provisioned, .handshaking, .quarantined:
            guard now >= nextHandshakeAt else { return false }
            if phase == .provisioned { phase = .handshaking }
            return beginHandshake(now: now)
        case .connected:
            if isRekeyDue(now: now) {
                phase = .rekeying
                handshakeReason = .scheduled
                return beginHandshake(now: now)
            }
            guard now >= nextTelemetryAt else { return false }
            return sendTelemetry(now: now)
        case .rekeying:
            // A re-key whose exchange ended without a verdict starts over.
            return beginHandshake(now: now)
        case .unprovisioned, .provisioning, .revoked:
            return false
        }
    }

    /// Copies the exchange's datagram into `output`; 0 (as if lost) if it does not fit.
    /// `mutating` only so that `self` is not copied to call it (see "In-place reads").
    mutating func copyDatagram(into output: inout MutableSpan<UInt8>) -> Int {
        let count = exchange.datagramCount
        guard output.count >= count else { return 0 }
        for i in 0..<count { output[i] = exchange.datagram[i] }
        return count
    }

    // MARK: Identifiers and timers

    /// 32 bits from the crypto provider's random source.
    mutating func random32() -> UInt32 {
        var bytes = InlineArray<4, UInt8>(repeating: 0)
        var span = bytes.mutableSpan
        crypto.fillRandom(&span)
        return UInt32(bytes[0]) &<< 24 | UInt32(bytes[1]) &<< 16 | UInt32(bytes[2]) &<< 8 | UInt32(bytes[3])
    }

    /// A fresh random token for a new request (RFC 7252 §5.3.1).
    mutating func newToken() -> TokenStorage {
        var token = TokenStorage(repeating: 0)
        var span = token.mutableSpan
        crypto.fillRandom(&span)
        return token
    }

    /// The next Message ID (RFC 7252 §4.4: incremented per new confirmable message).
    mutating func takeMessageID() -> UInt16 {
        let id = nextMessageID
        nextMessageID &+= 1
        return id
    }

    /// An exchange's initial retransmission timeout, drawn from [RTO, RTO ×
    /// ACK_RANDOM_FACTOR]: RFC 7252 §4.2's randomization, around the estimated RTO instead
    /// of ACK_TIMEOUT (before the first round trip is measured the RTO is ACK_TIMEOUT, so
    /// this is RFC 7252's draw exactly). The jitter keeps devices that lost the same
    /// datagram from retransmitting in step.
    mutating func initialTimeoutMilliseconds() -> UInt64 {
        let parameters = configuration.transmission
        let rto = UInt64(roundTrip.timeoutMilliseconds)
        let spread = DeviceArithmetic.divide(rto &* UInt64(parameters.ackRandomFactorPerMille &- 1000), by: 1000)
        let jitter = DeviceArithmetic.scale(random32(), below: UInt32(truncatingIfNeeded: min(spread, 0xFFFF_FFFE)) &+ 1)
        return rto &+ UInt64(jitter)
    }

    /// The exchange in flight got its answer (a response, or an empty ACK): its round trip
    /// is an RTT sample if unambiguous — sent once (Karn's rule, RFC 6298 §3); an answer after
    /// retransmissions backs the timeout off instead. An exchange is noted once: at its
    /// empty ACK if it gets one, not again at the separate response.
    mutating func noteAnswer(now: UInt64) {
        guard !exchange.isAcknowledged else { return }
        if exchange.transmissions == 1 {
            let sample = UInt32(truncatingIfNeeded: min(now &- exchange.firstSentAt, 0xFFFF_FFFF))
            counters.lastRoundTripMilliseconds = sample
            roundTrip.add(sampleMilliseconds: sample)
            counters.smoothedRoundTripMilliseconds = roundTrip.smoothedMilliseconds ?? 0
        } else {
            roundTrip.backOff(retransmissions: exchange.transmissions &- 1)
        }
        counters.retransmissionTimeoutMilliseconds = roundTrip.timeoutMilliseconds
    }

    /// `now` plus `milliseconds`, saturating.
    static func deadline(_ now: UInt64, plus milliseconds: UInt64) -> UInt64 {
        DeviceArithmetic.adding(now, milliseconds)
    }
}

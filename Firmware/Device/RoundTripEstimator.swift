/// The retransmission timeout from measured round trips (RFC 6298 §2, Jacobson's
/// estimator), in integers: SRTT is kept × 8 and RTTVAR × 4, so the gains α = 1/8 and
/// β = 1/4 are shifts and no fraction of a millisecond is lost between samples.
///
///     first sample R:   SRTT = R,  RTTVAR = R/2
///     next sample R':   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT − R'|,  SRTT = 7/8 SRTT + 1/8 R'
///     RTO = SRTT + max(G, 4 RTTVAR), clamped to [minimum, maximum]
///
/// Only unambiguous samples may be fed (Karn's rule, RFC 6298 §3): the round trip of an
/// exchange answered without a retransmission. Before the first sample the timeout is the
/// minimum — for the device, RFC 7252's ACK_TIMEOUT.
///
/// The other half of Karn's algorithm: an exchange answered only after retransmissions
/// gives no sample, but says the timeout was too short, so `backOff` keeps the doubled
/// timeout for the exchanges that follow until one yields a sample (RFC 6298 (5.5)). Without
/// it a link whose round trip exceeds the timeout would retransmit every request and never
/// be measured.
///
/// Bounds, as the device uses them: the minimum is the configured ACK_TIMEOUT, so the
/// estimator only ever lengthens the timeout, on links slower than the operator planned for
/// (a serial line at low speed, a gateway busy with handshakes), and never makes a device
/// retransmit sooner than the policy says: on a constrained network a spurious
/// retransmission costs more than a lost reading recovered a little later (RFC 8085 §3.1.3
/// asks for conservative timers; a device sends one CON every few seconds at most). The
/// maximum is 60 s (RFC 6298 (2.5) allows any maximum of at least 60 s), or ACK_TIMEOUT if
/// that is longer. An exchange that got no answer at all clears the back-off
/// (`clearBackOff`): silence says nothing about the round trip, the exchange itself has
/// doubled its timeout per retransmission (RFC 7252 §4.2), and the handshake back-off handles
/// a gateway that stays away — carrying a 60 s timeout into the next attempt would only make
/// the device slow to notice the gateway is back.
public struct RoundTripEstimator: Sendable, Equatable {
    /// G, the clock granularity: the device's clock counts milliseconds.
    public static let clockGranularityMilliseconds: UInt32 = 1
    /// RFC 6298 (2.5): a maximum RTO, if any, must be at least 60 s.
    public static let defaultMaximumMilliseconds: UInt32 = 60_000

    public let minimumMilliseconds: UInt32
    public let maximumMilliseconds: UInt32
    /// SRTT × 8.
    var scaledSmoothed: UInt64 = 0
    /// RTTVAR × 4.
    var scaledVariation: UInt64 = 0
    /// Samples taken so far (saturating).
    public private(set) var sampleCount: UInt32 = 0
    /// The timeout is doubled this many times (Karn's back-off), until the next sample.
    public private(set) var backOffShift: UInt8 = 0
    /// Enough doublings to take any timeout from 1 ms past any maximum.
    static let maxBackOffShift: UInt8 = 32

    /// An estimator whose timeout stays within [minimum, max(minimum, maximum)].
    public init(minimumMilliseconds: UInt32, maximumMilliseconds: UInt32 = RoundTripEstimator.defaultMaximumMilliseconds) {
        self.minimumMilliseconds = max(1, minimumMilliseconds)
        self.maximumMilliseconds = max(self.minimumMilliseconds, maximumMilliseconds)
    }

    /// Takes one round-trip time (from an exchange that was not retransmitted).
    public mutating func add(sampleMilliseconds sample: UInt32) {
        let r = UInt64(sample)
        if sampleCount == 0 {
            scaledSmoothed = r &<< 3
            scaledVariation = r &<< 1          // (R / 2) × 4
        } else {
            // err = R' − SRTT; SRTT += err / 8; RTTVAR += (|err| − RTTVAR) / 4.
            let smoothed = scaledSmoothed &>> 3
            let error = r >= smoothed ? r &- smoothed : smoothed &- r
            scaledSmoothed = scaledSmoothed &- smoothed &+ r
            scaledVariation = scaledVariation &- (scaledVariation &>> 2) &+ error
        }
        if sampleCount < UInt32.max { sampleCount &+= 1 }
        backOffShift = 0
    }

    /// An exchange was answered after `retransmissions` retransmissions: no sample (the
    /// answer may be to any copy), and the timeout stays doubled that many more times.
    public mutating func backOff(retransmissions: UInt8) {
        backOffShift = min(backOffShift &+ min(retransmissions, Self.maxBackOffShift), Self.maxBackOffShift)
    }

    /// An exchange got no answer: back to the estimate.
    public mutating func clearBackOff() {
        backOffShift = 0
    }

    /// SRTT, nil before the first sample.
    public var smoothedMilliseconds: UInt32? {
        sampleCount == 0 ? nil : UInt32(truncatingIfNeeded: min(scaledSmoothed &>> 3, 0xFFFF_FFFF))
    }

    /// RTTVAR, nil before the first sample.
    public var variationMilliseconds: UInt32? {
        sampleCount == 0 ? nil : UInt32(truncatingIfNeeded: min(scaledVariation &>> 2, 0xFFFF_FFFF))
    }

    /// RTO: SRTT + max(G, 4 × RTTVAR) (the minimum before any sample), doubled
    /// `backOffShift` times, within the bounds.
    public var timeoutMilliseconds: UInt32 {
        var rto = UInt64(minimumMilliseconds)
        if sampleCount > 0 {
            rto = max(rto, (scaledSmoothed &>> 3) &+ max(UInt64(Self.clockGranularityMilliseconds), scaledVariation))
        }
        let maximum = UInt64(maximumMilliseconds)
        var shift = backOffShift
        while shift > 0 && rto < maximum {
            rto &<<= 1
            shift &-= 1
        }
        return UInt32(truncatingIfNeeded: min(rto, maximum))
    }
}

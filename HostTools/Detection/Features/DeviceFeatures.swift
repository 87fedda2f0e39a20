import RampartGateway

/// One device's feature state: fading counts, running statistics and the few recent
/// sources it spoke from. Updated at each event about the device; `vector(at:)` reads it.
struct DeviceFeatures: Sendable {
    static let shortTau = 10.0
    static let longTau = 300.0
    /// How long a telemetry outlier keeps its weight in the vector.
    static let telemetryTau = 30.0
    /// Sources remembered per device (enough to tell "moved" from "two places").
    static let sourceMemory = 4
    /// A source seen within this long and spoken from again after another is a "return".
    static let returnWindowSeconds = 120.0
    /// A silence longer than this is an outage (power, network, an attacker cutting the
    /// path): timing and telemetry steps start afresh after it instead of measuring across it.
    static let outageSeconds = 20.0

    private var handshakesShort = DecayingCounter(tau: shortTau)
    private var failuresShort = DecayingCounter(tau: shortTau)
    private var failuresLong = DecayingCounter(tau: longTau)
    private var authenticationFailuresLong = DecayingCounter(tau: longTau)
    private var decryptFailuresShort = DecayingCounter(tau: shortTau)
    private var decryptFailuresLong = DecayingCounter(tau: longTau)
    private var replaysLong = DecayingCounter(tau: longTau)
    private var requestsShort = DecayingCounter(tau: shortTau)
    private var requestsLong = DecayingCounter(tau: longTau)
    private var sequenceGapsLong = DecayingCounter(tau: longTau)
    private var sourceChangesLong = DecayingCounter(tau: longTau)
    private var sourceReturnsLong = DecayingCounter(tau: longTau)
    private var telemetryDeviation = DecayingCounter(tau: telemetryTau)
    private var telemetryJump = DecayingCounter(tau: telemetryTau)
    private var repeatedEphemeralsLong = DecayingCounter(tau: longTau)

    private var payload = EWMAStatistics(alpha: 0.05)
    private var interArrival = EWMAStatistics(alpha: 0.05)
    private var reading = EWMAStatistics(alpha: 0.02)
    private var readingStep = EWMAStatistics(alpha: 0.05)
    private var lastReading: Double? = nil
    private var lastRequest: Double? = nil
    private var lastSequenceNumber: UInt64? = nil
    private(set) var lastRekey: Double? = nil
    private(set) var handshakesTotal = 0
    private(set) var requestsTotal = 0
    private(set) var firstSeen: Double? = nil
    private(set) var lastSeen: Double = 0
    /// (source, last time) of the recent sources, most recent first.
    private(set) var sources: [(PeerAddress, Double)] = []
    /// The gateway dropped the context (a re-key it forced): the device's next request is
    /// refused for want of a context, as expected, and is not counted as a failure.
    var contextDropped = false
    /// …and the handshake that follows is the re-key the gateway asked for: not counted in
    /// `handshakes_short` (a rotation is routine, not behaviour). Expires after a minute.
    var rekeyExpectedUntil = -Double.infinity

    // MARK: updates

    mutating func handshakeSucceeded(from source: PeerAddress, at time: Double) {
        touch(source, at: time)
        if time <= rekeyExpectedUntil {
            rekeyExpectedUntil = -.infinity
        } else {
            handshakesShort.add(at: time)
        }
        handshakesTotal += 1
        lastRekey = time
        lastSequenceNumber = nil
        contextDropped = false
    }

    mutating func handshakeFailed(_ failure: HandshakeFailure, from source: PeerAddress, at time: Double) {
        touch(source, at: time)
        failuresShort.add(at: time)
        failuresLong.add(at: time)
        if failure == .authenticationFailed { authenticationFailuresLong.add(at: time) }
    }

    mutating func requestAccepted(from source: PeerAddress, sequenceNumber: UInt64, payloadBytes: Int,
                                  reading value: Double?, at time: Double) {
        touch(source, at: time)
        requestsShort.add(at: time)
        requestsLong.add(at: time)
        requestsTotal += 1
        payload.add(Double(payloadBytes))
        let afterOutage = lastRequest.map { time - $0 > Self.outageSeconds } ?? false
        if afterOutage {
            // What the device measures moved while it was away: its yardstick starts again
            // (eight readings), its usual step stays. A device back with lies still shows
            // them as jumps; one back with a steady lie shows only to a fresh yardstick's
            // spread (docs/detection.md, Limits).
            reading = EWMAStatistics(alpha: reading.alpha)
            lastReading = nil
        } else if let last = lastRequest {
            interArrival.add(time - last)
        }
        lastRequest = time
        // Requests lost to an outage are not gaps anyone made.
        if let last = lastSequenceNumber, sequenceNumber > last + 1, !afterOutage {
            sequenceGapsLong.add(Double(min(sequenceNumber - last - 1, 1000)), at: time)
        }
        lastSequenceNumber = sequenceNumber
        if let value { telemetry(value, at: time) }
    }

    mutating func requestRejected(_ rejection: OSCORERejection, from source: PeerAddress, at time: Double) {
        touch(source, at: time)
        switch rejection {
        case .decryptionFailed:
            decryptFailuresShort.add(at: time)
            decryptFailuresLong.add(at: time)
        case .replay:
            replaysLong.add(at: time)
        case .unknownContext where contextDropped:
            contextDropped = false
        case .unknownContext, .malformed, .keyUsageLimit:
            failuresShort.add(at: time)
        }
    }

    mutating func ephemeralRepeated(at time: Double) {
        repeatedEphemeralsLong.add(at: time)
    }

    /// A reading far from the device's own running mean, or a jump far beyond its usual
    /// step, weighs in for `telemetryTau` seconds. The yardsticks (mean, deviation) learn
    /// only from readings that are not outliers, so a spoofing device cannot drag them along.
    private mutating func telemetry(_ value: Double, at time: Double) {
        let floor = 0.25
        if reading.samples >= 8 {
            let deviation = abs(value - reading.mean) / (reading.deviation + floor)
            telemetryDeviation.hold(deviation, at: time)
            if let last = lastReading {
                telemetryJump.hold(abs(value - last) / (readingStep.mean + floor), at: time)
            }
            if deviation > 6 {
                lastReading = value
                return
            }
        }
        if let last = lastReading { readingStep.add(abs(value - last)) }
        reading.add(value)
        lastReading = value
    }

    /// Notes `source`: a change of source, and a return to one used shortly before.
    private mutating func touch(_ source: PeerAddress, at time: Double) {
        if firstSeen == nil { firstSeen = time }
        lastSeen = max(lastSeen, time)
        if let current = sources.first, current.0 == source {
            sources[0].1 = time
            return
        }
        if !sources.isEmpty {
            sourceChangesLong.add(at: time)
            if sources.dropFirst().contains(where: { $0.0 == source && time - $0.1 <= Self.returnWindowSeconds }) {
                sourceReturnsLong.add(at: time)
            }
        }
        sources.removeAll { $0.0 == source }
        sources.insert((source, time), at: 0)
        if sources.count > Self.sourceMemory { sources.removeLast() }
    }

    // MARK: reading

    /// The feature vector at `time`, in `Feature` order.
    func vector(at time: Double) -> [Double] {
        var x = [Double](repeating: 0, count: Feature.count)
        x[Feature.handshakesShort.rawValue] = handshakesShort.value(at: time)
        x[Feature.handshakeFailuresShort.rawValue] = failuresShort.value(at: time)
        x[Feature.handshakeFailuresLong.rawValue] = failuresLong.value(at: time)
        x[Feature.authenticationFailuresLong.rawValue] = authenticationFailuresLong.value(at: time)
        x[Feature.decryptFailuresShort.rawValue] = decryptFailuresShort.value(at: time)
        x[Feature.decryptFailuresLong.rawValue] = decryptFailuresLong.value(at: time)
        x[Feature.replaysLong.rawValue] = replaysLong.value(at: time)
        x[Feature.requestsShort.rawValue] = requestsShort.value(at: time)
        x[Feature.requestsLong.rawValue] = requestsLong.value(at: time)
        x[Feature.payloadBytes.rawValue] = payload.mean
        x[Feature.interArrivalJitter.rawValue] = interArrival.samples > 1 && interArrival.mean > 0
            ? interArrival.deviation / interArrival.mean : 0
        x[Feature.sequenceGapsLong.rawValue] = sequenceGapsLong.value(at: time)
        x[Feature.sourceChangesLong.rawValue] = sourceChangesLong.value(at: time)
        x[Feature.sourceReturnsLong.rawValue] = sourceReturnsLong.value(at: time)
        x[Feature.telemetryDeviation.rawValue] = telemetryDeviation.value(at: time)
        x[Feature.telemetryJump.rawValue] = telemetryJump.value(at: time)
        x[Feature.repeatedEphemeralsLong.rawValue] = repeatedEphemeralsLong.value(at: time)
        x[Feature.keyAgeSeconds.rawValue] = lastRekey.map { max(0, time - $0) } ?? 0
        return x
    }

    /// The device's behaviour profile (`ProfileFeature`), from its whole history.
    func profile(at time: Double) -> [Double] {
        let span = max(60, time - (firstSeen ?? time))
        var p = [Double](repeating: 0, count: ProfileFeature.count)
        p[ProfileFeature.requestsPerMinute.rawValue] = Double(requestsTotal) * 60 / span
        p[ProfileFeature.payloadBytes.rawValue] = payload.mean
        p[ProfileFeature.handshakesPerHour.rawValue] = Double(handshakesTotal) * 3600 / span
        return p
    }
}

import RampartProtocol

// How a handshake ends without a session (docs/gateway-protocol.md, "The gateway's other
// answers to a handshake request"): suite retry, back-off, quarantine, revocation, Max-Age.

extension Device {
    /// A 4.00 with an EDHOC error message (RFC 9528 §6).
    mutating func handleEDHOCError(_ payload: Span<UInt8>, now: UInt64) {
        guard let error = EDHOCErrorMessage(parsing: payload) else {
            counters.protocolErrors &+= 1
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
            return
        }
        switch error.code {
        case EDHOCErrorMessage.wrongSelectedCipherSuite:
            counters.suiteRejections &+= 1
            retryWithSuites(error.suitesR, now: now)
        case EDHOCErrorMessage.unknownCredentialReferenced:
            counters.unknownCredentialErrors &+= 1
            failHandshake(now: now, backOff: configuration.configurationBackOff)
        default:
            if error.diagnosticIs("quarantined") {
                enterQuarantine(now: now)
            } else if error.diagnosticIs("revoked") {
                stopRevoked()
            } else {
                counters.edhocErrors &+= 1
                failHandshake(now: now, backOff: configuration.handshakeBackOff)
            }
        }
    }

    /// ERR_CODE 2 (§6.3.2): once per handshake, a new message_1 with SUITES_I from
    /// `EDHOCSuites.retry`, if its selected suite is the one this device's key can complete.
    /// Otherwise the gateway and the device share no suite: only an operator can fix that.
    mutating func retryWithSuites(_ suitesR: EDHOCSuites?, now: UInt64) {
        guard handshake.suiteRetries == 0, let suitesR,
              let retry = EDHOCSuites.retry(preferences: suitePreferences, suitesR: suitesR),
              retry.selected == suite else {
            failHandshake(now: now, backOff: configuration.configurationBackOff)
            return
        }
        handshake.suiteRetries &+= 1
        handshake.suites = retry
        handshake.echo.removeAll()
        handshake.echoRetries = 0
        _ = sendMessage1(now: now)
    }

    /// "quarantined": drop every secret of the session and back off (jittered, exponential,
    /// capped) before asking again; the gateway answers the same until it releases us.
    mutating func enterQuarantine(now: UInt64) {
        abortHandshakeState()
        wipeContext()
        counters.handshakesFailed &+= 1
        noteOutcome(failed: true)
        if phase != .quarantined {
            counters.quarantineEntries &+= 1
            backOffAttempts = 0
        }
        phase = .quarantined
        handshakeReason = .initial
        let delay = configuration.quarantineBackOff.delayMilliseconds(attempt: backOffAttempts, random: random32())
        backOffAttempts &+= 1
        nextHandshakeAt = Self.deadline(now, plus: UInt64(delay))
    }

    /// "revoked": stop for good (until re-provisioned), with nothing secret left but the
    /// static key, which `shutdown()` destroys.
    mutating func stopRevoked() {
        abortHandshakeState()
        wipeContext()
        exchange.finish()
        counters.handshakesFailed &+= 1
        phase = .revoked
        nextHandshakeAt = UInt64.max
        rekeyDueAt = UInt64.max
    }

    /// 5.03 with Max-Age: the gateway's half-open table is full; ask again after Max-Age
    /// seconds (RFC 7252 §5.9.3.4, default 60 s).
    mutating func waitForMaxAge(_ message: borrowing CoAPMessage, now: UInt64) {
        counters.serviceUnavailable &+= 1
        abortHandshakeState()
        counters.handshakesFailed &+= 1
        let seconds = Self.maxAgeSeconds(message) ?? configuration.defaultMaxAgeSeconds
        scheduleRetry(at: Self.deadline(now, plus: UInt64(seconds) &* 1000))
    }

    /// A handshake failed: wipe its state and try again after a jittered back-off.
    mutating func failHandshake(now: UInt64, backOff: BackOffPolicy) {
        abortHandshakeState()
        counters.handshakesFailed &+= 1
        noteOutcome(failed: true)
        let delay = backOff.delayMilliseconds(attempt: backOffAttempts, random: random32())
        backOffAttempts &+= 1
        scheduleRetry(at: Self.deadline(now, plus: UInt64(delay)))
    }

    /// A failed scheduled re-key keeps the old context (still valid at the gateway unless
    /// it says otherwise) and tries again later; without a context the device keeps
    /// handshaking (or stays quarantined).
    mutating func scheduleRetry(at time: UInt64) {
        guard phase != .revoked else { return }
        if context != nil {
            phase = .connected
            rekeyDueAt = time
            rekeyNotBefore = time
        } else {
            if phase != .quarantined { phase = .handshaking }
            nextHandshakeAt = time
        }
    }

    /// The Max-Age option's value (a uint of 0–4 bytes, RFC 7252 §5.10.5), if present.
    static func maxAgeSeconds(_ message: borrowing CoAPMessage) -> UInt32? {
        guard let value = message.options.first(.maxAge), value.count <= CoAPLimits.uintValueLengthMax else { return nil }
        var seconds: UInt32 = 0
        for i in 0..<value.count { seconds = seconds &<< 8 | UInt32(value[i]) }
        return seconds
    }
}

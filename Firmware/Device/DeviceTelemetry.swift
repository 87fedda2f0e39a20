import RampartCrypto
import RampartProtocol

/// The gateway's resources the device uses (docs/gateway-protocol.md).
public enum DeviceResources {
    /// Telemetry: OSCORE-protected POST /t with a `TelemetryReading` (Content-Format 60).
    public static let telemetryPath: StaticString = "t"
}

/// The inner telemetry request (code, token, Uri-Path, Content-Format, a reading) is at
/// most 4 + 4 + 2 + 2 + 1 + 27 bytes; its protected form adds the OSCORE option and tag.
typealias InnerRequestStorage = InlineArray<64, UInt8>
/// `OSCORESecurityContext.protectScratchLength(messageLength: 64)` = 138.
typealias ProtectScratchStorage = InlineArray<138, UInt8>
/// A verified response: the outer header and token, Max-Age, and the inner code and
/// (normally empty) payload; a longer one is refused.
typealias ResponseStorage = InlineArray<96, UInt8>

extension Device {
    /// Whether the session is due for a full re-key: by time, or by the OSCORE key usage
    /// counters before the key limits are reached.
    mutating func isRekeyDue(now: UInt64) -> Bool {
        guard now >= rekeyNotBefore else { return false }
        if now >= rekeyDueAt { return true }
        guard let usage = installedKeyUsage() else { return false }
        return usage.isRekeyDue || usage.countQ >= configuration.rekeyAfterProtectedMessages
            || usage.countV >= configuration.rekeyAfterFailedDecryptions
    }

    /// Takes a reading and sends it OSCORE-protected (RFC 8613 §8.1) in POST /t.
    mutating func sendTelemetry(now: UInt64) -> Bool {
        guard context != nil else {
            phase = .handshaking
            nextHandshakeAt = now
            return false
        }
        readingNumber &+= 1
        let reading = TelemetryReading(
            readingNumber: readingNumber, valueQ16: sensor.sampleQ16(nowMilliseconds: now),
            failurePerMille: Self.perMille(failureFractionQ16),
            uptimeSeconds: UInt32(truncatingIfNeeded: DeviceArithmetic.divide(now &- startedAt, by: 1000)))
        let messageID = takeMessageID()
        let token = newToken()
        let timeout = initialTimeoutMilliseconds()
        scheduleNextReading(now: now)

        var inner = InnerRequestStorage(repeating: 0)
        var innerCount = 0
        do throws(CoAPError) {
            var writer = ByteWriter(inner.mutableSpan)
            try Self.writeTelemetryRequest(reading, messageID: messageID, token: token.span, into: &writer)
            innerCount = writer.count
        } catch {
            counters.protocolErrors &+= 1
            return false
        }
        var scratch = ProtectScratchStorage(repeating: 0)
        var count = 0
        var binding: OSCORERequestBinding? = nil
        var failure: OSCOREError? = nil
        do {
            var scratchSpan = scratch.mutableSpan
            var writer = ByteWriter(exchange.datagram.mutableSpan)
            do throws(OSCOREError) {
                binding = try context?.protectRequest(inner.span.extracting(0..<innerCount), crypto: crypto,
                                                      scratch: &scratchSpan, into: &writer)
            } catch {
                failure = error
            }
            count = writer.count
        }
        inner.wipe()
        if let failure {
            switch failure {
            case .keyUsageLimitReached, .sequenceNumberExhausted, .contextWiped:
                // The context may protect nothing more: a full re-key (RFC 8613 §7.2.1).
                wipeContext()
                phase = .handshaking
                handshakeReason = .scheduled
                nextHandshakeAt = now
            default:
                counters.protocolErrors &+= 1
            }
            return false
        }
        guard let binding else { return false }
        telemetryBinding = binding
        counters.telemetrySent &+= 1
        exchange.begin(.telemetry, count: count, messageID: messageID, token: token,
                       initialTimeoutMilliseconds: timeout, now: now)
        return true
    }

    /// Readings keep their cadence; one that could not go on time (a handshake or a slow
    /// exchange was in the way) is not made up for with a burst.
    mutating func scheduleNextReading(now: UInt64) {
        let interval = UInt64(configuration.telemetryIntervalMilliseconds)
        let next = Self.deadline(nextTelemetryAt, plus: interval)
        nextTelemetryAt = next > now ? next : Self.deadline(now, plus: interval)
    }

    /// The request before protection: CON POST /t, Content-Format 60, the reading.
    static func writeTelemetryRequest(_ reading: TelemetryReading, messageID: UInt16, token: Span<UInt8>,
                                      into writer: inout ByteWriter) throws(CoAPError) {
        var payload = InlineArray<32, UInt8>(repeating: 0)
        var payloadCount = 0
        do {
            var payloadWriter = ByteWriter(payload.mutableSpan)
            do throws(ProtocolBufferError) {
                try reading.write(into: &payloadWriter)
            } catch {
                throw CoAPError.outputTooSmall
            }
            payloadCount = payloadWriter.count
        }
        var builder = CoAPMessageBuilder()
        try builder.header(type: .confirmable, code: .post, messageID: messageID, token: token, into: &writer)
        try builder.option(.uriPath, DeviceResources.telemetryPath, into: &writer)
        try builder.option(.contentFormat, uint: UInt32(CoAPContentFormat.cbor), into: &writer)
        try builder.payload(payload.span.extracting(0..<payloadCount), into: &writer)
    }

    /// The answer to a reading: a protected 2.04 (acknowledged), or an unprotected 4.01 /
    /// 4.00 / 4.02 — the gateway has no usable context for us: drop ours, run EDHOC again.
    mutating func handleTelemetryResponse(_ message: borrowing CoAPMessage, now: UInt64) {
        let binding = telemetryBinding
        telemetryBinding = nil
        guard message.options.occurrences(of: .oscore) > 0 else {
            let code = message.code
            if code == .unauthorized || code == .badRequest || code == .badOption {
                counters.oscoreRejections &+= 1
                noteOutcome(failed: true)
                wipeContext()
                phase = .handshaking
                handshakeReason = .forced
                nextHandshakeAt = now
            } else {
                counters.protocolErrors &+= 1
                noteOutcome(failed: true)
            }
            return
        }
        guard let binding, context != nil else {
            counters.protocolErrors &+= 1
            return
        }
        var scratch = ResponseStorage(repeating: 0)
        var plain = ResponseStorage(repeating: 0)
        var count = 0
        var verified = false
        do {
            var scratchSpan = scratch.mutableSpan
            var writer = ByteWriter(plain.mutableSpan)
            do throws(OSCOREError) {
                let protected = try OSCOREProtectedMessage(parsing: message.bytes)
                try context?.unprotectResponse(protected, request: binding, crypto: crypto,
                                               scratch: &scratchSpan, into: &writer)
                verified = true
            } catch {
                verified = false
            }
            count = writer.count
        }
        var accepted = false
        if verified {
            do throws(CoAPError) {
                let inner = try CoAPMessage(parsing: plain.span.extracting(0..<count))
                accepted = inner.code == .changed
            } catch {
                accepted = false
            }
        }
        plain.wipe()
        if accepted {
            counters.telemetryAcknowledged &+= 1
        } else {
            counters.protocolErrors &+= 1
        }
        noteOutcome(failed: !accepted)
    }
}

import RampartProtocol

extension Device {
    /// Takes one received datagram (one CoAP message). Anything that is not the answer to
    /// the request in flight is counted and dropped; nothing a peer sends can trap.
    public mutating func receive(_ datagram: Span<UInt8>, nowMilliseconds now: UInt64) {
        let message: CoAPMessage
        do throws(CoAPError) {
            message = try CoAPMessage(parsing: datagram)
        } catch {
            counters.unmatchedDatagrams &+= 1
            return
        }
        // A CoAP ping — an Empty Confirmable message — is answered with a Reset (RFC 7252
        // §4.3). The gateway pings a device's address when its kid shows up somewhere else:
        // the answer tells it the device is still here (a clone is elsewhere).
        if message.type == .confirmable && message.code.isEmpty {
            owedEmptyMessage = OwedEmptyMessage(type: .reset, messageID: message.messageID)
            counters.pingsAnswered &+= 1
            return
        }
        switch exchange.match(message) {
        case .unrelated:
            counters.unmatchedDatagrams &+= 1
        case .emptyAcknowledgement:
            // The empty ACK is the peer's answer to the request; the separate response comes
            // when the server is ready, which says nothing about the path (RFC 7252 §5.2.2).
            noteAnswer(now: now)
            exchange.acknowledge(now: now,
                                 separateResponseTimeoutMilliseconds: configuration.transmission.separateResponseTimeoutMilliseconds)
        case .reset:
            exchangeFailed(now: now)
        case .response:
            // A separate response in a CON needs our empty ACK (RFC 7252 §5.2.2).
            if message.type == .confirmable {
                owedEmptyMessage = OwedEmptyMessage(type: .acknowledgement, messageID: message.messageID)
            }
            noteAnswer(now: now)
            let purpose = exchange.purpose
            exchange.finish()
            switch purpose {
            case .message1: handleMessage1Response(message, now: now)
            case .message3: handleMessage3Response(message, now: now)
            case .telemetry: handleTelemetryResponse(message, now: now)
            case .none: break
            }
        }
    }

    /// Whether `datagram` answers the request in flight (its Message ID or token): lets a
    /// transport that several devices share hand each datagram to the device it is for.
    public func isExpecting(_ datagram: Span<UInt8>) -> Bool {
        do throws(CoAPError) {
            let message = try CoAPMessage(parsing: datagram)
            switch exchange.match(message) {
            case .unrelated: return false
            case .emptyAcknowledgement, .reset, .response: return true
            }
        } catch {
            return false
        }
    }

    /// No answer (MAX_RETRANSMIT retransmissions timed out, the separate response never
    /// came) or an RST: a handshake backs off and starts again; a reading is lost.
    mutating func exchangeFailed(now: UInt64) {
        let purpose = exchange.purpose
        exchange.finish()
        counters.exchangeTimeouts &+= 1
        roundTrip.clearBackOff()
        counters.retransmissionTimeoutMilliseconds = roundTrip.timeoutMilliseconds
        switch purpose {
        case .message1, .message3:
            failHandshake(now: now, backOff: configuration.handshakeBackOff)
        case .telemetry:
            telemetryBinding = nil
            noteOutcome(failed: true)
        case .none:
            break
        }
    }
}

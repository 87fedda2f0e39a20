import RampartProtocol

/// Why the device runs EDHOC: it decides which counter a completed handshake adds to.
public enum HandshakeReason: UInt8, Sendable {
    /// No session yet (first start, or after quarantine or a failure with no session).
    case initial
    /// `rekeyIntervalSeconds` passed, or the OSCORE key usage limits came near.
    case scheduled
    /// The gateway refused the OSCORE context (unprotected 4.01 / 4.00 / 4.02).
    case forced
}

/// message_1 as sent: kept to resend it verbatim with an Echo option (RFC 9175). Ours
/// offers one suite: METHOD (1) + SUITES_I (≤ 2) + G_X (34) + C_I (1) = 38 bytes.
typealias Message1Storage = BoundedBytes<64>
/// message_3 before it goes into its CoAP request: bstr head (2) + PLAINTEXT_3 + tag (8).
typealias Message3Storage = InlineArray<112, UInt8>
/// C_R as the CBOR data item that prefixes message_3 (RFC 9528 Appendix A.2).
typealias ConnectionIDPrefix = BoundedBytes<10>

/// The copyable part of a handshake in progress (the EDHOC typestate itself is held
/// beside it, non-copyable, in `Device`).
struct HandshakeProgress {
    /// SUITES_I of the current message_1.
    var suites = EDHOCSuites()
    var message1 = Message1Storage()
    /// The Echo value to send with message_1, empty when none was asked for.
    var echo = EchoStorage()
    var echoRetries: UInt8 = 0
    var suiteRetries: UInt8 = 0
    /// When the first message_1 of this handshake was due (latency is measured from here).
    var startedAt: UInt64 = 0

    /// A new handshake: no Echo, no retries yet.
    mutating func reset(suites: EDHOCSuites, now: UInt64) {
        self.suites = suites
        message1.removeAll()
        echo.removeAll()
        echoRetries = 0
        suiteRetries = 0
        startedAt = now
    }
}

extension EDHOCIdentifier {
    /// The identifier as the CBOR data item EDHOC sends (RFC 9528 §3.3.2): a one-byte
    /// string whose byte encodes an int in -24..23 goes as that int, anything else as a bstr.
    func writeCompact(into prefix: inout ConnectionIDPrefix) throws(ProtocolBufferError) {
        let bytes = span
        if bytes.count == 1 && (bytes[0] <= 0x17 || (bytes[0] >= 0x20 && bytes[0] <= 0x37)) {
            try prefix.append(bytes[0])
        } else {
            // A bstr head with the length in its low bits: identifiers are at most 8 bytes.
            try prefix.append(0x40 | UInt8(truncatingIfNeeded: bytes.count))
            try prefix.append(bytes)
        }
    }
}

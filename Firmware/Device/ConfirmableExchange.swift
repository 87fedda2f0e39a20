import RampartProtocol

/// What the one outstanding request is for.
enum ExchangePurpose: UInt8 {
    case none
    /// POST /.well-known/edhoc with message_1.
    case message1
    /// POST /.well-known/edhoc with message_3.
    case message3
    /// OSCORE-protected POST /t.
    case telemetry
}

/// Bytes of the longest datagram the device sends: message_3 in its CoAP request (header 4,
/// token 8, Uri-Path ×2 and Content-Format 21, marker 1, C_R ≤ 9, message_3 ≤ 2 + 96 + 8)
/// is 149; message_1 with a 40-byte Echo about 140; OSCORE telemetry about 70.
public enum DeviceLimits {
    /// The buffer `Device.poll` needs.
    public static var datagramByteCount: Int { DatagramStorage.count }
    /// Token length of every request (RFC 7252 §5.3.1: at least 32 random bits when the
    /// token is all that ties a response to its request outside OSCORE).
    public static let tokenByteCount = 4
    /// The Echo option's value is 1–40 bytes (RFC 9175 §2.2.1).
    public static var echoByteCount: Int { EchoStorage.maxCount }
}

typealias DatagramStorage = InlineArray<160, UInt8>
typealias TokenStorage = InlineArray<4, UInt8>
typealias EchoStorage = BoundedBytes<40>

/// One confirmable request in flight and its retransmission (RFC 7252 §4.2): the device
/// keeps at most one (NSTART = 1, §4.7). The datagram is built once and resent verbatim,
/// with the same Message ID, until a matching ACK, RST or response arrives or
/// MAX_RETRANSMIT retransmissions have timed out.
struct ConfirmableExchange {
    private(set) var purpose: ExchangePurpose = .none
    var datagram = DatagramStorage(repeating: 0)
    private(set) var datagramCount = 0
    private(set) var messageID: UInt16 = 0
    private(set) var token = TokenStorage(repeating: 0)
    /// Transmissions so far (the first one and the retransmissions).
    private(set) var transmissions: UInt8 = 0
    /// The current timeout: the initial one, doubled at each retransmission.
    private var timeoutMilliseconds: UInt64 = 0
    /// When to transmit next or, after the last transmission, to give up.
    private(set) var deadline: UInt64 = UInt64.max
    /// An empty ACK came: no more retransmissions, the response comes separately.
    private(set) var isAcknowledged = false
    /// When the first transmission went out (RTT samples, Karn's rule: only from
    /// exchanges that were not retransmitted).
    private(set) var firstSentAt: UInt64 = 0

    var isIdle: Bool { purpose == .none }

    /// Arms the exchange for the `count` bytes just written into `datagram`: the first
    /// transmission is due now; `initialTimeout` is drawn by the caller from
    /// [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR].
    mutating func begin(_ purpose: ExchangePurpose, count: Int, messageID: UInt16, token: TokenStorage,
                        initialTimeoutMilliseconds: UInt64, now: UInt64) {
        self.purpose = purpose
        datagramCount = count
        self.messageID = messageID
        self.token = token
        transmissions = 0
        timeoutMilliseconds = initialTimeoutMilliseconds
        deadline = now
        isAcknowledged = false
    }

    /// Ends the exchange (answered, timed out or abandoned); wipes nothing secret — the
    /// datagram is ciphertext or EDHOC messages that went over the air anyway.
    mutating func finish() {
        purpose = .none
        datagramCount = 0
        deadline = UInt64.max
        isAcknowledged = false
    }

    enum Step {
        /// Nothing to do before `deadline`.
        case wait
        /// Send `datagram[0..<datagramCount]` now (`transmissions` > 1: a retransmission).
        case transmit
        /// No answer: MAX_RETRANSMIT retransmissions timed out, or the separate response
        /// never came.
        case giveUp
    }

    /// What the exchange needs at `now`.
    mutating func step(now: UInt64, maxRetransmit: UInt8) -> Step {
        guard purpose != .none, now >= deadline else { return .wait }
        guard !isAcknowledged, transmissions <= maxRetransmit else { return .giveUp }
        if transmissions == 0 {
            firstSentAt = now
        } else {
            timeoutMilliseconds = DeviceArithmetic.adding(timeoutMilliseconds, timeoutMilliseconds)
        }
        transmissions &+= 1
        deadline = DeviceArithmetic.adding(now, timeoutMilliseconds)
        return .transmit
    }

    /// How a received message relates to the exchange.
    enum Match {
        case unrelated
        /// An empty ACK (RFC 7252 §5.2.2): the server will answer in a separate response.
        case emptyAcknowledgement
        /// RST: the server could not process the request (§4.2).
        case reset
        /// The response: piggybacked in the ACK, or separate (CON or NON) with our token.
        case response
    }

    /// Matches by Message ID (ACK and RST, §4.4) and by token (responses, §5.3.2).
    func match(_ message: borrowing CoAPMessage) -> Match {
        guard purpose != .none else { return .unrelated }
        switch message.type {
        case .acknowledgement:
            guard message.messageID == messageID else { return .unrelated }
            if message.code.isEmpty { return .emptyAcknowledgement }
            return message.code.isResponse && tokenMatches(message.token) ? .response : .unrelated
        case .reset:
            return message.messageID == messageID && message.code.isEmpty ? .reset : .unrelated
        case .confirmable, .nonConfirmable:
            return message.code.isResponse && tokenMatches(message.token) ? .response : .unrelated
        }
    }

    /// Stops retransmitting after an empty ACK and waits `timeout` for the response.
    mutating func acknowledge(now: UInt64, separateResponseTimeoutMilliseconds timeout: UInt32) {
        isAcknowledged = true
        deadline = DeviceArithmetic.adding(now, UInt64(timeout))
    }

    private func tokenMatches(_ received: Span<UInt8>) -> Bool {
        guard received.count == DeviceLimits.tokenByteCount else { return false }
        for i in 0..<DeviceLimits.tokenByteCount where received[i] != token[i] { return false }
        return true
    }
}

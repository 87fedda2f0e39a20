/// The message Type (RFC 7252 §3, §4.2-4.3).
public enum CoAPMessageType: UInt8, Sendable {
    /// CON: needs an acknowledgement.
    case confirmable = 0
    /// NON: needs none.
    case nonConfirmable = 1
    /// ACK: acknowledges a CON (and may piggyback the response).
    case acknowledgement = 2
    /// RST: the receiver could not process a message.
    case reset = 3
}

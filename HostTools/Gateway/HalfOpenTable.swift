import RampartCrypto
import RampartProtocol
import Synchronization

/// A handshake between message_2 and message_3: the Responder's state and where it came
/// from. The slot is reserved (state nil) before any Diffie-Hellman work so the table's
/// bound holds under concurrency; the state is set once message_2 is written.
final class HalfOpenHandshake: Sendable {
    let recipientID: UInt32
    let source: PeerAddress
    let created: Double
    let suite = Atomic<Int32>(-1)
    let state = Mutex<EDHOCResponderWaitM3?>(nil)

    init(recipientID: UInt32, source: PeerAddress, created: Double) {
        self.recipientID = recipientID
        self.source = source
        self.created = created
    }

    /// Moves the Responder's state out (message_3 is being processed).
    func takeState() -> EDHOCResponderWaitM3? {
        state.withLock { $0.take() }
    }

    deinit {
        state.withLock { slot in
            if let abandoned = slot.take() { abandoned.abort() }
        }
    }
}

/// The bounded table of half-open handshakes, keyed by C_R, with the latest handshake per
/// source (to answer a retransmitted message_1 with the same message_2).
final class HalfOpenTable: Sendable {
    private struct Table {
        var byRecipientID: [UInt32: HalfOpenHandshake] = [:]
        var bySource: [PeerAddress: UInt32] = [:]
    }

    private let table = Mutex(Table())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { table.withLock { $0.byRecipientID.count } }

    /// Reserves a slot under a fresh C_R that neither this table nor `isTaken` uses; nil
    /// when the table is full.
    func reserve(source: PeerAddress, now: Double, isTaken: (UInt32) -> Bool) -> HalfOpenHandshake? {
        table.withLock { t in
            guard t.byRecipientID.count < capacity else { return nil }
            var recipientID = UInt32.random(in: .min ... .max)
            while t.byRecipientID[recipientID] != nil || isTaken(recipientID) {
                recipientID = UInt32.random(in: .min ... .max)
            }
            let slot = HalfOpenHandshake(recipientID: recipientID, source: source, created: now)
            t.byRecipientID[recipientID] = slot
            t.bySource[source] = recipientID
            return slot
        }
    }

    /// Completes a reserved slot with the Responder's state; false (and the state aborted)
    /// if the slot expired meanwhile.
    func fill(_ slot: HalfOpenHandshake, suite: Int32, state: consuming EDHOCResponderWaitM3) {
        var pending: EDHOCResponderWaitM3? = consume state
        slot.suite.store(suite, ordering: .relaxed)
        slot.state.withLock { $0 = pending.take() }
    }

    /// message_2 of the latest handshake from `source` if `message1` is a retransmission of
    /// the message_1 it answered (RFC 9528 Appendix A.2: answer it again, start nothing).
    func retransmittedMessage2<Crypto: CryptoProvider>(from source: PeerAddress, message1: Span<UInt8>,
                                                       crypto: Crypto) -> Message2Storage? {
        let slot = table.withLock { t in t.bySource[source].flatMap { t.byRecipientID[$0] } }
        guard let slot else { return nil }
        // A Span can't be captured by the lock's closure: hash it first.
        let digest = crypto.sha256(message1)
        return slot.state.withLock { state -> Message2Storage? in
            guard let matches = state?.isRetransmission(digestOfMessage1: digest), matches else { return nil }
            return state?.message2
        }
    }

    /// Removes and returns the handshake for `recipientID` (message_3 arrived, or it failed).
    func take(_ recipientID: UInt32) -> HalfOpenHandshake? {
        table.withLock { t in
            guard let slot = t.byRecipientID.removeValue(forKey: recipientID) else { return nil }
            if t.bySource[slot.source] == recipientID { t.bySource.removeValue(forKey: slot.source) }
            return slot
        }
    }

    /// Removes handshakes created before `cutoff`; returns them (their states abort on release).
    func expire(before cutoff: Double) -> [HalfOpenHandshake] {
        table.withLock { t in
            let expired = t.byRecipientID.values.filter { $0.created < cutoff }
            for slot in expired {
                t.byRecipientID.removeValue(forKey: slot.recipientID)
                if t.bySource[slot.source] == slot.recipientID { t.bySource.removeValue(forKey: slot.source) }
            }
            return expired
        }
    }
}

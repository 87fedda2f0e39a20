import Synchronization

/// CoAP pings (RFC 7252 §4.3: an Empty Confirmable message, answered with a Reset) sent to
/// the address a device's session just left, and the datagrams waiting for a transport to
/// send them.
///
/// A device that moves — a reboot onto a new port, a NAT rebinding — leaves its old address
/// dead, so the ping goes unanswered. A clone and its original are both alive: the device
/// whose session was just taken answers at once. That turns "one kid in two places" from
/// something seen when the original next speaks (its reporting interval, seconds to minutes)
/// into something seen one round trip after the clone's handshake.
///
/// The Reset is not authenticated. Forging one needs the ping's random 16-bit Message ID and
/// its moment, and yields the quarantine of a device whose key was just used elsewhere.
/// Bounded: at most `capacity` pings outstanding and `outboxCapacity` datagrams queued.
final class PreviousPeerPings: Sendable {
    static let capacity = 4096
    static let outboxCapacity = 4096

    /// A ping in flight: the device it asks about and the address that took its session.
    struct Pending: Sendable {
        let kid: [UInt8]
        let current: PeerAddress
        let sentAt: Double
    }

    private struct Key: Hashable {
        let peer: PeerAddress
        let messageID: UInt16
    }

    private let pending = Mutex<[Key: Pending]>([:])
    private let outbox = Mutex<[OutboundDatagram]>([])
    /// Lets every transport's call after each datagram skip the lock while the queue is
    /// empty (nearly always).
    private let queued = Atomic<Int>(0)

    /// Queues a ping to `peer` about `kid`, whose session moved to `current`. False when the
    /// table or the queue is full (the ping is skipped; the slower A → B → A rule remains).
    func ping(_ peer: PeerAddress, kid: [UInt8], current: PeerAddress, messageID: UInt16, now: Double) -> Bool {
        let tracked = pending.withLock { table in
            guard table.count < Self.capacity else { return false }
            table[Key(peer: peer, messageID: messageID)] = Pending(kid: kid, current: current, sentAt: now)
            return true
        }
        guard tracked else { return false }
        return outbox.withLock { queue in
            guard queue.count < Self.outboxCapacity else { return false }
            queue.append(OutboundDatagram(destination: peer, bytes: CoAPReply.ping(messageID: messageID)))
            queued.store(queue.count, ordering: .relaxed)
            return true
        }
    }

    /// The ping a Reset from `peer` with `messageID` answers, if one is waiting (taken: a
    /// second Reset answers nothing).
    func answered(from peer: PeerAddress, messageID: UInt16, now: Double, timeout: Double) -> Pending? {
        pending.withLock { table in
            guard let ping = table.removeValue(forKey: Key(peer: peer, messageID: messageID)),
                  now - ping.sentAt <= timeout else { return nil }
            return ping
        }
    }

    /// Forgets pings unanswered for `timeout`.
    func expire(now: Double, timeout: Double) {
        pending.withLock { table in
            guard !table.isEmpty else { return }
            table = table.filter { now - $0.value.sentAt <= timeout }
        }
    }

    /// The queued datagrams, removed.
    func takeOutbound() -> [OutboundDatagram] {
        guard queued.load(ordering: .relaxed) > 0 else { return [] }
        return outbox.withLock { queue in
            defer {
                queue.removeAll(keepingCapacity: true)
                queued.store(0, ordering: .relaxed)
            }
            return queue
        }
    }
}

/// A datagram the engine sends on its own (not an answer): the transport that reaches
/// `destination` sends it.
public struct OutboundDatagram: Sendable, Equatable {
    public let destination: PeerAddress
    public let bytes: [UInt8]

    public init(destination: PeerAddress, bytes: [UInt8]) {
        self.destination = destination
        self.bytes = bytes
    }
}

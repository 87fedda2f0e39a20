#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a writer submits: the body of an entry and when it was created. The index, the
/// gateway and the signature are added when it is sealed into a block (`LedgerStore.makeBlock`,
/// `LedgerWriter`).
public struct PendingEntry: Sendable, Equatable {
    public let type: EntryType
    /// Milliseconds since the Unix epoch.
    public let time: UInt64
    /// A map with the keys of `type` (docs/ledger.md); checked when the entry is sealed or
    /// queued (`validate()`).
    public let body: CBORValue

    public init(type: EntryType, time: UInt64, body: CBORValue) {
        self.type = type
        self.time = time
        self.body = body
    }

    /// Checks the body against its type's keys and that it encodes as canonical CBOR within
    /// the decoder's limits (a hand-built map with a repeated key would not).
    ///
    /// - Returns: the body's canonical encoding.
    @discardableResult
    public func validate() throws(LedgerFormatError) -> [UInt8] {
        try EntryBodySchema.validate(body, as: type)
        let encoded = body.encoded()
        do {
            _ = try CBORValue.decode(encoded)
        } catch {
            throw .invalidBody(type, reason: "it does not encode as canonical CBOR (\(error))")
        }
        guard encoded.count <= SignedEntry.maxBodyByteCount else {
            throw .invalidBody(type, reason: "\(encoded.count) bytes encoded, more than \(SignedEntry.maxBodyByteCount)")
        }
        return encoded
    }

    /// Equal when they would be sealed into equal entries: bodies compare by their canonical
    /// encoding, so the order a map was built in does not matter.
    public static func == (lhs: PendingEntry, rhs: PendingEntry) -> Bool {
        lhs.type == rhs.type && lhs.time == rhs.time && lhs.body.encoded() == rhs.body.encoded()
    }
}

/// A membership entry's `change`.
public enum MembershipChange: String, Sendable, CaseIterable {
    case joined
    case left
}

// MARK: - Membership bodies
// (The other types' bodies are built by the summaries in Entries/.)

extension PendingEntry {
    /// A membership entry (type 5): the gateway whose Ed25519 key is `publicKey` joins or
    /// leaves the ledger. A `joined` entry must be written by that gateway itself
    /// (`LedgerSigner.membershipEntry`).
    public static func membership(publicKey: [UInt8], change: MembershipChange, address: String,
                                  time: UInt64) -> PendingEntry {
        PendingEntry(type: .membership, time: time, body: .textMap([
            ("public_key", .bytes(publicKey)), ("change", .text(change.rawValue)), ("address", .text(address)),
        ]))
    }
}

/// Milliseconds since the Unix epoch, the ledger's time unit.
public enum LedgerClock {
    /// The wall clock now (CLOCK_REALTIME), in milliseconds.
    public static func nowMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(max(spec.tv_sec, 0)) * 1000 + UInt64(max(spec.tv_nsec, 0)) / 1_000_000
    }
}

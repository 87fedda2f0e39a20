/// The anti-replay sliding window of a Recipient Context (RFC 8613 §7.4 with the default
/// of §3.2.2: RFC 6347 §4.1.2.6's window, 32 Partial IVs wide).
///
/// `check` says whether a Partial IV may be processed; `accept` records it and must be
/// called only after the request decrypted (§8.2 step 6), so forgeries never move it.
public struct OSCOREReplayWindow: Equatable, Sendable {
    /// What `check` concluded.
    public enum Verdict: Equatable, Sendable {
        /// Not seen and not too old.
        case fresh
        /// Seen before.
        case duplicate
        /// Older than the window: cannot be told apart from a replay.
        case tooOld
    }

    /// The highest Partial IV accepted, or nil before the first.
    public private(set) var highest: UInt64?
    /// Bit i set: Partial IV `highest − i` was accepted.
    var received: UInt32 = 0

    public init() {}

    public func check(_ partialIV: UInt64) -> Verdict {
        guard let highest else { return .fresh }
        if partialIV > highest { return .fresh }
        let age = highest &- partialIV
        guard age < UInt64(OSCORELimits.replayWindowSize) else { return .tooOld }
        let bit = UInt32(1) &<< UInt32(truncatingIfNeeded: age)
        return received & bit != 0 ? .duplicate : .fresh
    }

    /// Records `partialIV` as received. Does nothing unless `check` says it is fresh.
    public mutating func accept(_ partialIV: UInt64) {
        guard check(partialIV) == .fresh else { return }
        guard let highest, partialIV <= highest else {
            let shift = highest.map { partialIV &- $0 } ?? UInt64(OSCORELimits.replayWindowSize)
            received = shift >= UInt64(OSCORELimits.replayWindowSize)
                ? 1 : (received &<< UInt32(truncatingIfNeeded: shift)) | 1
            self.highest = partialIV
            return
        }
        received |= UInt32(1) &<< UInt32(truncatingIfNeeded: highest &- partialIV)
    }
}

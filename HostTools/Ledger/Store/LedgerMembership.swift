/// Who may write to the log at a given point of it, replayed from membership entries
/// (docs/ledger.md: a gateway's key enters the log through a `joined` entry it signs itself;
/// anything signed by a gateway id with no earlier membership entry is invalid).
///
/// The rules, applied in log order:
/// - entry 0 is the `joined` entry of the gateway that created the log;
/// - a `joined` entry is written by the gateway it introduces (its signature is checked with
///   the key it carries), for a gateway that is not a member now, and an id is bound to one key
///   for the life of the log;
/// - a `left` entry names a current member and is written by a current member (itself, or
///   another gateway removing a dead one); after it, that gateway writes nothing until it joins
///   again;
/// - every other entry is written by a current member.
struct LedgerMembership: Sendable, Equatable {
    /// One membership entry, as the store indexes it (`membership` table).
    struct Change: Sendable, Equatable {
        let index: UInt64
        let gateway: GatewayID
        let publicKey: [UInt8]
        let change: MembershipChange
    }

    /// Every key that ever joined: tree heads are checked against it even after their sealer left.
    private(set) var keys: [GatewayID: [UInt8]] = [:]
    /// Current members.
    private(set) var active: Set<GatewayID> = []
    /// Where each former member left.
    private var leftAt: [GatewayID: UInt64] = [:]

    /// Current members and their public keys.
    var members: [GatewayID: [UInt8]] {
        var result: [GatewayID: [UInt8]] = [:]
        for id in active { result[id] = keys[id] }
        return result
    }

    /// Replays stored changes (in log order).
    init(changes: [Change] = []) {
        for change in changes { apply(change) }
    }

    /// Checks an entry written by `gateway` at `index` against the membership before it.
    ///
    /// - Returns: the public key its signature must verify under, and the membership change it
    ///   makes (if it is a membership entry); or what is wrong with it.
    func admit(index: UInt64, gateway: GatewayID, type: EntryType,
               body: CBORValue) -> Result<(publicKey: [UInt8], change: Change?), LedgerProblem> {
        func refuse(_ what: String) -> Result<(publicKey: [UInt8], change: Change?), LedgerProblem> {
            .failure(LedgerProblem(.entry(index), what))
        }
        if index == 0, type != .membership || body["change"]?.textValue != MembershipChange.joined.rawValue {
            return refuse("the first entry of a log must be the joined membership entry of the gateway that created it, "
                          + "not a \(type) entry")
        }
        guard type == .membership else {
            guard active.contains(gateway), let key = keys[gateway] else { return refuse(notMember(gateway)) }
            return .success((key, nil))
        }
        // The body was validated: public_key has 32 bytes, change is joined or left.
        let publicKey = body["public_key"]?.bytesValue ?? []
        let change = MembershipChange(rawValue: body["change"]?.textValue ?? "") ?? .joined
        let subject = GatewayID(publicKey: publicKey)
        switch change {
        case .joined:
            guard subject == gateway else {
                return refuse("a joined entry must be written by the gateway it introduces (\(subject)), "
                              + "not by gateway \(gateway)")
            }
            guard !active.contains(subject) else { return refuse("gateway \(subject) joins but is already a member") }
            if let known = keys[subject], known != publicKey {
                return refuse("gateway id \(subject) already belongs to another public key")
            }
            return .success((publicKey, Change(index: index, gateway: subject, publicKey: publicKey, change: .joined)))
        case .left:
            guard active.contains(subject), keys[subject] == publicKey else {
                return refuse("gateway \(subject) leaves but is not a member with that key")
            }
            guard active.contains(gateway), let key = keys[gateway] else { return refuse(notMember(gateway)) }
            return .success((key, Change(index: index, gateway: subject, publicKey: publicKey, change: .left)))
        }
    }

    /// Records a change `admit` returned.
    mutating func apply(_ change: Change) {
        switch change.change {
        case .joined:
            keys[change.gateway] = change.publicKey
            active.insert(change.gateway)
            leftAt[change.gateway] = nil
        case .left:
            active.remove(change.gateway)
            leftAt[change.gateway] = change.index
        }
    }

    private func notMember(_ gateway: GatewayID) -> String {
        if let index = leftAt[gateway] {
            return "written by gateway \(gateway), which left the ledger at entry \(index)"
        }
        return "written by gateway \(gateway), which is not a member of the ledger (no earlier membership entry)"
    }
}

import RampartGateway

/// Turns the gateway's event stream into per-device features and rule findings
/// (docs/detection.md §1–2). Single-threaded: the detector owns it.
///
/// Bounded: devices idle for `deviceIdleSeconds` are forgotten, and the tables that link
/// events without a kid to one (G_X fingerprints, C_R, sources) keep at most
/// `tableCapacity` entries each, oldest out first.
struct FeatureExtractor {
    static let deviceIdleSeconds = 3600.0
    static let tableCapacity = 1 << 17
    /// A source starting more handshakes than this over `DeviceFeatures.shortTau` is flooding.
    static let floodThreshold = 20.0
    /// How long a recorded G_X is remembered (a replay later than this is not noticed).
    static let ephemeralMemorySeconds = 3600.0

    private(set) var devices: [[UInt8]: DeviceFeatures] = [:]
    /// G_X fingerprint → (first source, time, C_R, the kid once the handshake completed).
    private var ephemerals = BoundedTable<[UInt8], EphemeralRecord>(capacity: tableCapacity)
    /// C_R → fingerprint of the message_1 that opened it (until the handshake ends).
    private var pending = BoundedTable<UInt32, [UInt8]>(capacity: tableCapacity)
    /// Source → the kid last seen completing a handshake or a request from it.
    private var sourceKids = BoundedTable<PeerAddress, [UInt8]>(capacity: tableCapacity)
    /// Source → its handshakes started and kid-less failures, fading.
    private var sourceActivity = BoundedTable<PeerAddress, SourceActivity>(capacity: tableCapacity)
    /// kid → sources it completed handshakes from, most recent first (for the clone rule).
    private var handshakeSources: [[UInt8]: [(PeerAddress, Double)]] = [:]
    /// kid → the peer gateway that last reported a handshake for it, and when (cluster mode).
    private var peerSessions = BoundedTable<[UInt8], PeerSession>(capacity: tableCapacity)
    /// Requests this soon after a peer's report may have been in flight already.
    static let peerSessionGraceSeconds = 2.0

    struct PeerSession {
        var gateway: String
        var time: Double
    }

    struct EphemeralRecord {
        var source: PeerAddress
        var time: Double
        var kid: [UInt8]?
    }

    struct SourceActivity {
        var handshakes = DecayingCounter(tau: DeviceFeatures.shortTau)
        var everCompleted = false
        var flagged = false
    }

    /// What one event changed.
    struct Update {
        /// The device whose features moved (nil for an event no kid can be linked to).
        var kid: [UInt8]? = nil
        var findings: [Finding] = []
    }

    mutating func observe(_ event: GatewayEvent.Kind, at time: Double) -> Update {
        var update = Update()
        switch event {
        case .handshakeStarted(let source, _, let fingerprint, let session):
            if let finding = handshakeAttempt(from: source, at: time) { update.findings.append(finding) }
            guard !fingerprint.isEmpty else { break }
            if let seen = ephemerals[fingerprint], time - seen.time <= Self.ephemeralMemorySeconds {
                if seen.source != source {
                    if let kid = seen.kid {
                        devices[kid, default: DeviceFeatures()].ephemeralRepeated(at: time)
                    }
                    update.findings.append(Finding(rule: .replayedMessage1, subject: .source(source), target: seen.kid,
                                                   detail: "G_X first seen from \(seen.source)"))
                }
            } else {
                ephemerals[fingerprint] = EphemeralRecord(source: source, time: time, kid: nil)
                pending[session] = fingerprint
            }

        case .handshakeSucceeded(let kid, let source, _, let session, _):
            update.kid = kid
            devices[kid, default: DeviceFeatures()].handshakeSucceeded(from: source, at: time)
            if let fingerprint = pending.remove(session), var record = ephemerals[fingerprint] {
                record.kid = kid
                ephemerals[fingerprint] = record
            }
            sourceKids[source] = kid
            sourceActivity[source, default: SourceActivity()].everCompleted = true
            // The device's session is here now: a peer's earlier one is the older.
            _ = peerSessions.remove(kid)
            if let finding = cloneFinding(kid: kid, source: source, at: time) { update.findings.append(finding) }

        case .handshakeFailed(let kid, let source, let failure):
            let linked = kid ?? sourceKids[source]
            update.kid = linked
            if let linked { devices[linked, default: DeviceFeatures()].handshakeFailed(failure, from: source, at: time) }
            switch failure {
            case .authenticationFailed where kid != nil:
                update.findings.append(Finding(rule: .authenticationFailed, subject: .device(kid!),
                                               detail: "MAC_3 did not verify (from \(source))"))
            case .revoked:
                if let kid {
                    update.findings.append(Finding(rule: .revokedCredentialUsed, subject: .device(kid),
                                                   detail: "handshake from \(source)"))
                }
            case .unknownConnection where sourceActivity[source]?.everCompleted != true:
                update.findings.append(Finding(rule: .replayedMessage3, subject: .source(source), target: linked,
                                               detail: "message_3 for no open handshake from a source without a session"))
            default:
                break
            }

        case .oscoreAccepted(let kid, let source, let sequenceNumber, let payloadBytes, let reading):
            update.kid = kid
            devices[kid, default: DeviceFeatures()].requestAccepted(
                from: source, sequenceNumber: sequenceNumber, payloadBytes: payloadBytes,
                reading: reading.map { Double($0.valueQ16) / 65_536 }, at: time)
            sourceKids[source] = kid
            if let peer = peerSessions[kid], time - peer.time > Self.peerSessionGraceSeconds {
                _ = peerSessions.remove(kid)
                update.findings.append(Finding(rule: .twoGateways, subject: .device(kid),
                                               detail: "a request here from \(source) on the session older than gateway \(peer.gateway)'s"))
            }

        case .oscoreRejected(let kid, let source, let rejection):
            let linked = kid ?? sourceKids[source]
            update.kid = linked
            guard let linked else { break }
            let current = devices[linked]?.sources.first?.0
            devices[linked, default: DeviceFeatures()].requestRejected(rejection, from: source, at: time)
            guard kid != nil, let current, current != source else { break }
            switch rejection {
            case .replay:
                update.findings.append(Finding(rule: .oscoreReplay, subject: .source(source), target: linked,
                                               detail: "the device uses \(current)"))
            case .decryptionFailed:
                update.findings.append(Finding(rule: .oscoreForgery, subject: .source(source), target: linked,
                                               detail: "AEAD tag did not verify; the device uses \(current)"))
            case .unknownContext, .malformed, .keyUsageLimit:
                break
            }

        case .echoChallengeSent(let source), .datagramDropped(let source, .rateLimited):
            // message_1s the engine turned away before any work count toward a flood too.
            if let finding = handshakeAttempt(from: source, at: time) { update.findings.append(finding) }

        case .actionTaken(let kid, .forceRekey, _, _, _), .actionTaken(let kid, .revokeSession, _, _, _),
             .sessionEvicted(let kid):
            devices[kid]?.contextDropped = true
            devices[kid]?.rekeyExpectedUntil = time + 60

        case .sessionOnPeer(let kid, let gateway):
            peerSessions[kid] = PeerSession(gateway: gateway, time: time)

        case .previousPeerAnswered(let kid, let previous, let current):
            update.kid = kid
            update.findings.append(Finding(rule: .clone, subject: .device(kid),
                                           detail: "\(previous) answered a CoAP ping after \(current) took the session"))

        case .datagramDropped, .actionTaken, .sourceBlocked:
            break
        }
        return update
    }

    /// Counts a handshake attempt from `source`; a finding when it passes the flood threshold.
    private mutating func handshakeAttempt(from source: PeerAddress, at time: Double) -> Finding? {
        var activity = sourceActivity[source] ?? SourceActivity()
        defer { sourceActivity[source] = activity }
        activity.handshakes.add(at: time)
        let count = activity.handshakes.value(at: time)
        if count < Self.floodThreshold / 2 { activity.flagged = false }
        guard count > Self.floodThreshold, !activity.flagged else { return nil }
        activity.flagged = true
        return Finding(rule: .handshakeFlood, subject: .source(source),
                       detail: "more than \(Int(Self.floodThreshold)) handshake attempts in ~10 s")
    }

    /// The clone rule: a handshake from a source the kid completed one from before, with a
    /// handshake from another source in between, all within `DeviceFeatures.returnWindowSeconds`.
    /// A device that moves (new address, reboot) goes A → B and stays; a clone and its
    /// original take the session from each other: A → B → A.
    private mutating func cloneFinding(kid: [UInt8], source: PeerAddress, at time: Double) -> Finding? {
        var history = handshakeSources[kid, default: []].filter { time - $0.1 <= DeviceFeatures.returnWindowSeconds }
        defer {
            history.removeAll { $0.0 == source }
            history.insert((source, time), at: 0)
            if history.count > DeviceFeatures.sourceMemory { history.removeLast() }
            handshakeSources[kid] = history
        }
        guard let last = history.first, last.0 != source,
              history.dropFirst().contains(where: { $0.0 == source }) else { return nil }
        return Finding(rule: .clone, subject: .device(kid),
                       detail: "sessions from \(source) and \(last.0) in turn within \(Int(DeviceFeatures.returnWindowSeconds)) s")
    }

    func features(of kid: [UInt8]) -> DeviceFeatures? { devices[kid] }

    /// Forgets devices idle for `deviceIdleSeconds` (their fading counts are back to ~0).
    mutating func prune(at time: Double) {
        devices = devices.filter { time - $0.value.lastSeen < Self.deviceIdleSeconds }
        handshakeSources = handshakeSources.filter { $0.value.contains { time - $0.1 <= DeviceFeatures.returnWindowSeconds } }
    }
}

/// A dictionary with a capacity: past it, the entry inserted longest ago is dropped.
struct BoundedTable<Key: Hashable, Value> {
    private var values: [Key: Value] = [:]
    private var order: [Key] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            guard let newValue else {
                values[key] = nil
                return
            }
            if values.updateValue(newValue, forKey: key) == nil {
                order.append(key)
                evict()
            }
        }
    }

    subscript(key: Key, default value: @autoclosure () -> Value) -> Value {
        get { values[key] ?? value() }
        set { self[key] = newValue }
    }

    mutating func remove(_ key: Key) -> Value? {
        values.removeValue(forKey: key)
    }

    /// Drops the oldest keys while over capacity; compacts the order list now and then.
    private mutating func evict() {
        while values.count > capacity, head < order.count {
            values[order[head]] = nil
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        if order.count > capacity * 2 + 1024 {
            order = order.filter { values[$0] != nil }
            head = 0
        }
    }
}

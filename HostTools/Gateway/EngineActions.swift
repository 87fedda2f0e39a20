import RampartProtocol

/// The response actions (DESIGN.md §4), each idempotent: a repeated action changes nothing
/// and says so (`ActionOutcome.changed == false`).
extension GatewayEngine {
    public func perform(_ action: GatewayAction, kid: [UInt8], reason: String,
                        evidence: ActionEvidence?) throws -> ActionOutcome {
        guard let record = try devices.device(kid: kid) else { throw DeviceDirectoryError.unknownDevice(kid: kid) }
        let changed: Bool
        var sessionDropped = false
        switch action {
        case .revokeSession, .forceRekey:
            // Dropping the context is the whole mechanism: the device's next request gets
            // 4.01 and it runs a full EDHOC handshake (never a KeyUpdate).
            sessionDropped = sessions.drop(kid: kid) != nil
            changed = sessionDropped
        case .quarantine:
            guard record.status != .revoked else { throw ActionError.revoked(kid: kid) }
            changed = try devices.setStatus(.quarantined, kid: kid, reason: reason)
            sessionDropped = sessions.drop(kid: kid) != nil
        case .release:
            guard record.status != .revoked else { throw ActionError.revoked(kid: kid) }
            changed = try devices.setStatus(.active, kid: kid, reason: reason)
        case .revokeRegistration:
            changed = try devices.setStatus(.revoked, kid: kid, reason: reason)
            sessionDropped = sessions.drop(kid: kid) != nil
        }
        logger.notice("action", metadata: ["action": "\(action.rawValue)", "kid": "\(kid.hexString)",
                                           "reason": "\(reason)", "changed": "\(changed || sessionDropped)"])
        publish(.actionTaken(kid: kid, action: action, reason: reason, changed: changed || sessionDropped,
                                  evidence: evidence))
        return ActionOutcome(action: action, kid: kid, changed: changed || sessionDropped, sessionDropped: sessionDropped)
    }

    /// Drops every datagram from `source` for `seconds` (at most a day: a UDP source can be
    /// spoofed, so no block is permanent).
    @discardableResult
    public func block(source: PeerAddress, seconds: Double, reason: String, evidence: ActionEvidence?) -> Bool {
        let seconds = min(max(0, seconds), 86_400)
        let changed = blockedSources.block(source, until: clock.now() + seconds)
        logger.notice("source blocked", metadata: ["source": "\(source)", "seconds": "\(seconds)", "reason": "\(reason)",
                                                   "changed": "\(changed)"])
        publish(.sourceBlocked(source: source, seconds: seconds, reason: reason, changed: changed, evidence: evidence))
        return changed
    }

    public func deviceState(kid: [UInt8]) throws -> DeviceState? {
        guard let record = try devices.device(kid: kid) else { return nil }
        let now = clock.now()
        let live = sessions.recipientID(forKid: kid).flatMap { id in
            sessions.withSession(id) { session in
                DeviceState.Session(id: id, ageSeconds: now - session.established, idleSeconds: now - session.lastActivity,
                                    requestsAccepted: session.requestsAccepted,
                                    lastReading: session.lastReading.map(DeviceState.Reading.init))
            }
        }
        return DeviceState(kid: kid, status: record.status, session: live)
    }
}

/// An action that cannot apply to the device as it is.
public enum ActionError: Error, CustomStringConvertible {
    case revoked(kid: [UInt8])

    public var description: String {
        switch self {
        case .revoked(let kid):
            "device \(kid.hexString) is revoked; a revoked registration cannot be quarantined or released (register it again)"
        }
    }
}

import RampartGateway
import Synchronization

/// A stand-in for `GatewayEngine` with observable behaviour: it answers every datagram with
/// `replyMarker` followed by the datagram (none for `silentRequest`), counts `tick()`s,
/// knows a fixed set of devices and records every action with its reason.
final class FakeGatewayEngine: DatagramService, ResponseActions, GatewayGauges, Sendable {
    static let replyMarker: UInt8 = 0xEC
    /// A datagram the fake does not answer.
    static let silentRequest: [UInt8] = [0x00]

    struct Received: Equatable {
        let bytes: [UInt8]
        let source: PeerAddress
    }

    struct Action: Equatable {
        let action: GatewayAction
        let kid: [UInt8]
        let reason: String
    }

    private struct State {
        var received: [Received] = []
        var actions: [Action] = []
        var ticks = 0
        var statuses: [[UInt8]: DeviceStatus] = [:]
    }

    private let state: Mutex<State>
    let sessionCount: Int
    let halfOpenCount: Int

    init(devices: [[UInt8]] = [], sessionCount: Int = 7, halfOpenCount: Int = 3) {
        var initial = State()
        for kid in devices { initial.statuses[kid] = .active }
        state = Mutex(initial)
        self.sessionCount = sessionCount
        self.halfOpenCount = halfOpenCount
    }

    var received: [Received] { state.withLock { $0.received } }
    var actions: [Action] { state.withLock { $0.actions } }
    var ticks: Int { state.withLock { $0.ticks } }

    func handle(_ datagram: [UInt8], from source: PeerAddress) -> [UInt8]? {
        state.withLock { $0.received.append(Received(bytes: datagram, source: source)) }
        return datagram == Self.silentRequest ? nil : [Self.replyMarker] + datagram
    }

    func tick() {
        state.withLock { $0.ticks += 1 }
    }

    func perform(_ action: GatewayAction, kid: [UInt8], reason: String, evidence: ActionEvidence?) throws -> ActionOutcome {
        try state.withLock { state in
            guard let status = state.statuses[kid] else { throw DeviceDirectoryError.unknownDevice(kid: kid) }
            state.actions.append(Action(action: action, kid: kid, reason: reason))
            let target: DeviceStatus = switch action {
            case .quarantine: .quarantined
            case .release: .active
            case .revokeRegistration: .revoked
            case .revokeSession, .forceRekey: status
            }
            state.statuses[kid] = target
            let changed = target != status || action == .revokeSession || action == .forceRekey
            return ActionOutcome(action: action, kid: kid, changed: changed, sessionDropped: false)
        }
    }

    func deviceState(kid: [UInt8]) throws -> DeviceState? {
        state.withLock { state in
            state.statuses[kid].map {
                DeviceState(kid: kid, status: $0, session: nil)
            }
        }
    }
}

import Logging
import RampartGateway
import RampartProtocol

/// Writes the gateway's event stream to its log as a timeline a person can follow: handshakes,
/// failures and rejected OSCORE requests at `info`; every accepted request (with its telemetry
/// reading) at `debug`. (Actions are logged by the engine, at `notice`.) Kids, session identifiers (C_R) and failure classes only:
/// events carry no secrets. Like the metrics, it has its own bounded subscription: the bus
/// never waits for it.
public struct EventLogSubscriber: Sendable {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func start(events: EventBus, capacity: Int = 4096) -> Task<Void, Never> {
        let stream = events.subscribe(capacity: capacity)
        let logger = self.logger
        return Task.detached(name: "rampart-event-log") {
            for await event in stream {
                Self.log(event, to: logger)
            }
        }
    }

    static func log(_ event: GatewayEvent, to logger: Logger) {
        switch event.kind {
        case .handshakeSucceeded(let kid, let source, let suite, let session, let duration):
            logger.info("handshake succeeded", metadata: [
                "kid": "\(kid.hexString)", "session": "\(DeviceState.Session.hex(session))", "suite": "\(suite)",
                "ms": "\(Double(duration) / 1000)", "source": "\(source)"])
        case .handshakeFailed(let kid, let source, let failure):
            logger.info("handshake failed", metadata: [
                "kid": "\(kid?.hexString ?? "-")", "failure": "\(failure)", "source": "\(source)"])
        case .oscoreAccepted(let kid, _, let sequenceNumber, _, let reading):
            guard logger.logLevel <= .debug else { return }
            var metadata: Logger.Metadata = ["kid": "\(kid.hexString)", "seq": "\(sequenceNumber)"]
            if let reading {
                metadata["reading"] = "\(reading.readingNumber)"
                metadata["value"] = "\(Double(reading.valueQ16) / 65_536)"
                metadata["failure_per_mille"] = "\(reading.failurePerMille)"
            }
            logger.debug("telemetry", metadata: metadata)
        case .oscoreRejected(let kid, let source, let rejection):
            logger.info("oscore request rejected", metadata: [
                "kid": "\(kid?.hexString ?? "-")", "rejection": "\(rejection)", "source": "\(source)"])
        case .sessionEvicted(let kid):
            logger.info("session evicted", metadata: ["kid": "\(kid.hexString)"])
        case .sessionOnPeer(let kid, let gateway):
            logger.debug("a peer gateway reports a session", metadata: ["kid": "\(kid.hexString)", "gateway": "\(gateway)"])
        case .previousPeerAnswered(let kid, let previous, let current):
            logger.notice("a device's previous address answered a ping after its session moved", metadata: [
                "kid": "\(kid.hexString)", "previous": "\(previous)", "current": "\(current)"])
        case .handshakeStarted, .echoChallengeSent, .datagramDropped, .actionTaken, .sourceBlocked:
            // Actions are logged by the engine that takes them (at notice, with the reason).
            break
        }
    }
}

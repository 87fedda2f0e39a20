import Foundation
import RampartGateway
import RampartProtocol

/// One gateway event as a line of JSON (`--record-events`), so a model can be trained from
/// recorded traffic (`rampart detect train --events`): the lab's, or a real gateway's. The
/// fields are those the detector reads; events carry identifiers and classes, never keys.
public struct EventRecord: Codable, Sendable, Equatable {
    /// Seconds (the recorder's clock: virtual in the lab, Unix time in a gateway).
    public var t: Double
    public var type: String
    public var kid: String? = nil
    public var source: String? = nil
    public var failure: String? = nil
    public var rejection: String? = nil
    public var session: UInt32? = nil
    public var fingerprint: String? = nil
    public var seq: UInt64? = nil
    public var bytes: Int? = nil
    /// The telemetry value (°C) of an accepted request that carried one.
    public var value: Double? = nil
    public var action: String? = nil
    public var reason: String? = nil
    /// True when the action carried detector evidence (not an operator's).
    public var detector: Bool? = nil
    /// Where a device's session moved to (previous-peer-answered; `source` is where it was).
    public var current: String? = nil
    /// The peer gateway that reported a session (session-on-peer).
    public var gateway: String? = nil

    public init?(_ event: GatewayEvent.Kind, at time: Double) {
        t = time
        switch event {
        case .handshakeStarted(let source, _, let fingerprint, let session):
            type = "handshake-started"
            self.source = source.description
            self.fingerprint = Self.hex(fingerprint)
            self.session = session
        case .handshakeSucceeded(let kid, let source, _, let session, _):
            type = "handshake-succeeded"
            self.kid = Self.hex(kid)
            self.source = source.description
            self.session = session
        case .handshakeFailed(let kid, let source, let failure):
            type = "handshake-failed"
            self.kid = kid.map(Self.hex)
            self.source = source.description
            self.failure = failure.rawValue
        case .oscoreAccepted(let kid, let source, let sequenceNumber, let payloadBytes, let reading):
            type = "oscore-accepted"
            self.kid = Self.hex(kid)
            self.source = source.description
            seq = sequenceNumber
            bytes = payloadBytes
            value = reading.map { Double($0.valueQ16) / 65_536 }
        case .oscoreRejected(let kid, let source, let rejection):
            type = "oscore-rejected"
            self.kid = kid.map(Self.hex)
            self.source = source.description
            self.rejection = rejection.rawValue
        case .echoChallengeSent(let source):
            type = "echo-challenge"
            self.source = source.description
        case .datagramDropped(let source, let reason):
            type = "datagram-dropped"
            self.source = source.description
            self.reason = reason.rawValue
        case .actionTaken(let kid, let action, let reason, _, let evidence):
            type = "action"
            self.kid = Self.hex(kid)
            self.action = action.rawValue
            self.reason = reason
            detector = evidence != nil
        case .sessionEvicted(let kid):
            type = "session-evicted"
            self.kid = Self.hex(kid)
        case .previousPeerAnswered(let kid, let previous, let current):
            type = "previous-peer-answered"
            self.kid = Self.hex(kid)
            source = previous.description
            self.current = current.description
        case .sessionOnPeer(let kid, let gateway):
            type = "session-on-peer"
            self.kid = Self.hex(kid)
            self.gateway = gateway
        case .sourceBlocked:
            return nil
        }
    }

    /// The event again (addresses as opaque peers: the detector only compares them).
    public var event: GatewayEvent.Kind? {
        let peer = PeerAddress.serial(path: source ?? "")
        let kidBytes = kid.flatMap(Self.bytes)
        switch type {
        case "handshake-started":
            return .handshakeStarted(source: peer, suite: 0, ephemeralFingerprint: fingerprint.flatMap(Self.bytes) ?? [],
                                     session: session ?? 0)
        case "handshake-succeeded":
            guard let kidBytes else { return nil }
            return .handshakeSucceeded(kid: kidBytes, source: peer, suite: 0, session: session ?? 0, durationMicroseconds: 0)
        case "handshake-failed":
            guard let failure = failure.flatMap(HandshakeFailure.init(rawValue:)) else { return nil }
            return .handshakeFailed(kid: kidBytes, source: peer, failure: failure)
        case "oscore-accepted":
            guard let kidBytes else { return nil }
            let reading = value.map {
                TelemetryReading(readingNumber: 0, valueQ16: Int32(clamping: Int(($0 * 65_536).rounded())), failurePerMille: 0,
                                 uptimeSeconds: 0)
            }
            return .oscoreAccepted(kid: kidBytes, source: peer, sequenceNumber: seq ?? 0, payloadBytes: bytes ?? 0,
                                   reading: reading)
        case "oscore-rejected":
            guard let rejection = rejection.flatMap(OSCORERejection.init(rawValue:)) else { return nil }
            return .oscoreRejected(kid: kidBytes, source: peer, rejection: rejection)
        case "echo-challenge":
            return .echoChallengeSent(source: peer)
        case "datagram-dropped":
            guard let reason = reason.flatMap(DropReason.init(rawValue:)) else { return nil }
            return .datagramDropped(source: peer, reason: reason)
        case "action":
            guard let kidBytes, let action = action.flatMap(GatewayAction.init(rawValue:)) else { return nil }
            return .actionTaken(kid: kidBytes, action: action, reason: reason ?? "", changed: true,
                                evidence: detector == true ? ActionEvidence(score: 0, evidence: []) : nil)
        case "session-evicted":
            guard let kidBytes else { return nil }
            return .sessionEvicted(kid: kidBytes)
        case "session-on-peer":
            guard let kidBytes else { return nil }
            return .sessionOnPeer(kid: kidBytes, gateway: gateway ?? "")
        case "previous-peer-answered":
            guard let kidBytes else { return nil }
            return .previousPeerAnswered(kid: kidBytes, previous: peer, current: .serial(path: current ?? ""))
        default:
            return nil
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.hexString }

    static func bytes(_ hex: String) -> [UInt8]? { [UInt8](hexString: hex) }
}

/// Training from recorded events: replays them through a detector running on its rules
/// alone, and samples the vectors the model would score (as `LabTraining` does live).
public enum EventLogTraining {
    public static func samples(fromLines lines: some Sequence<Substring>, sampleSeconds: Double = 1,
                               configuration: DetectionConfiguration = DetectionConfiguration())
        throws -> (samples: [ModelTrainer.Sample], events: Int) {
        let detector = Detector(configuration: configuration, model: nil)
        var samples: [ModelTrainer.Sample] = []
        detector.sampleSeconds = sampleSeconds
        detector.sampleSink = { kid, _, vector, profile in
            samples.append(ModelTrainer.Sample(kid: EventRecord.hex(kid), vector: vector, profile: profile))
        }
        let decoder = JSONDecoder()
        var events = 0
        var lastTick = -Double.infinity
        for (number, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let record: EventRecord
            do {
                record = try decoder.decode(EventRecord.self, from: Data(line.utf8))
            } catch {
                throw EventLogError.badLine(number + 1, "\(error)")
            }
            guard let event = record.event else { continue }
            if record.t - lastTick >= 1 {
                lastTick = record.t
                _ = detector.tick(at: record.t)
            }
            _ = detector.observe(event, at: record.t)
            events += 1
        }
        return (samples, events)
    }
}

public enum EventLogError: Error, CustomStringConvertible {
    case badLine(Int, String)

    public var description: String {
        switch self {
        case .badLine(let line, let why): "line \(line) is not an event record (\(why)); record with --record-events"
        }
    }
}

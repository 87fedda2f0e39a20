import Foundation
import Logging
import RampartDetection
import RampartGateway
import Synchronization

/// The detector in the running gateway (docs/detection.md): it reads the event bus on its
/// own bounded subscription, ticks once a second, and applies each decision to the engine
/// at once — a re-key, a quarantine, a revocation, a blocked source — with the evidence,
/// which the action's event carries on to the ledger.
///
/// Off the I/O path: the transports only publish; if the detector falls behind, its
/// subscription drops events (counted by the bus) rather than slowing the gateway.
public final class DetectionService: Sendable {
    /// What a decision acts on: the engine, as `ResponseActions`, and its source blocks.
    public struct Responder: Sendable {
        public let perform: @Sendable (GatewayAction, [UInt8], String, ActionEvidence) throws -> Void
        public let block: @Sendable (PeerAddress, Double, String, ActionEvidence) -> Void

        public init(perform: @escaping @Sendable (GatewayAction, [UInt8], String, ActionEvidence) throws -> Void,
                    block: @escaping @Sendable (PeerAddress, Double, String, ActionEvidence) -> Void) {
            self.perform = perform
            self.block = block
        }

        /// The gateway engine's actions and blocks.
        public static func engine(_ engine: GatewayEngine) -> Responder {
            Responder(perform: { action, kid, reason, evidence in
                _ = try engine.perform(action, kid: kid, reason: reason, evidence: evidence)
            }, block: { source, seconds, reason, evidence in
                engine.block(source: source, seconds: seconds, reason: reason, evidence: evidence)
            })
        }
    }

    private let detector: Mutex<Detector>
    private let responder: Responder
    private let logger: Logger
    /// Undelivered events the detector's subscription holds at most.
    public static let subscriptionCapacity = 65_536

    public init(configuration: DetectionConfiguration, model: DetectionModel?, responder: Responder, logger: Logger) {
        detector = Mutex(Detector(configuration: configuration, model: model))
        self.responder = responder
        self.logger = logger
    }

    /// Loads the model named by `configuration.modelFile` (relative to `dataDirectory`). A
    /// missing file is not an error — the rules still act — but an unreadable or
    /// mismatched one is (an operator who trained a model expects it to be used).
    public static func loadModel(_ configuration: DetectionConfiguration,
                                 dataDirectory: String) throws(DetectionModelError) -> DetectionModel? {
        let path = configuration.modelFile.hasPrefix("/")
            ? configuration.modelFile : (dataDirectory as NSString).appendingPathComponent(configuration.modelFile)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try DetectionModel.read(from: path, expectedFeatureNames: Feature.names,
                                       expectedProfileFeatureNames: ProfileFeature.names)
    }

    /// Starts the event reader and the ticker; cancelling the tasks stops them.
    func start(events: EventBus) -> [Task<Void, Never>] {
        let stream = events.subscribe(capacity: Self.subscriptionCapacity)
        let reader = Task.detached(name: "rampart-detector") { [self] in
            for await event in stream {
                let decisions = detector.withLock { $0.observe(event.kind, at: event.time.timeIntervalSince1970) }
                apply(decisions)
            }
        }
        let ticker = Task.detached(name: "rampart-detector-tick") { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let now = Date().timeIntervalSince1970
                apply(detector.withLock { $0.tick(at: now) })
            }
        }
        return [reader, ticker]
    }

    /// Writes the model as online learning has left it to `<modelFile>.learned.json` (at
    /// shutdown). It is never loaded automatically: learned drift is adopted by an operator
    /// who reviews it and renames it — so a slow poisoning cannot survive a restart unseen.
    /// Returns the path written, or nil without a model or with learning off.
    public func saveLearnedModel(_ configuration: DetectionConfiguration,
                                 dataDirectory: String) throws(DetectionModelError) -> String? {
        guard configuration.onlineLearning, let model = detector.withLock({ $0.currentModel }) else { return nil }
        let base = configuration.modelFile.hasPrefix("/")
            ? configuration.modelFile : (dataDirectory as NSString).appendingPathComponent(configuration.modelFile)
        let path = (base as NSString).deletingPathExtension + ".learned.json"
        try model.write(to: path)
        return path
    }

    /// A device's risk now (for status queries).
    public func risk(of kid: [UInt8]) -> Detector.DeviceRisk? {
        detector.withLock { $0.risk(of: kid, at: Date().timeIntervalSince1970) }
    }

    private func apply(_ decisions: [Decision]) {
        for decision in decisions {
            switch decision.action {
            case .device(let action, let kid):
                do {
                    try responder.perform(action, kid, decision.reason, decision.evidence)
                } catch {
                    logger.warning("detector decision not applied", metadata: [
                        "action": "\(action.rawValue)", "kid": "\(kid.hexString)",
                        "error": "\(error)"])
                }
            case .blockSource(let source, let seconds):
                responder.block(source, seconds, decision.reason, decision.evidence)
            }
        }
    }
}

import Foundation
import Logging
import RampartDetection
import RampartGateway
import Synchronization
import Testing
@testable import RampartGatewayServer

/// The detector inside the gateway: events from the bus reach it, and its decisions reach the
/// engine with their evidence — a quarantine for hard evidence, a block for a flooding source.
@Suite struct DetectionServiceTests {
    final class Calls: Sendable {
        let performed = Mutex<[(GatewayAction, [UInt8], ActionEvidence)]>([])
        let blocked = Mutex<[PeerAddress]>([])
    }

    @Test func decisionsReachTheEngineWithTheirEvidence() async throws {
        let calls = Calls()
        let responder = DetectionService.Responder(perform: { action, kid, _, evidence in
            calls.performed.withLock { $0.append((action, kid, evidence)) }
        }, block: { source, _, _, _ in
            calls.blocked.withLock { $0.append(source) }
        })
        let service = DetectionService(configuration: DetectionConfiguration(), model: nil, responder: responder,
                                       logger: Logger(label: "test"))
        let bus = EventBus()
        let tasks = service.start(events: bus)
        defer { for task in tasks { task.cancel() } }

        let attacker = PeerAddress.udp(host: "198.51.100.9", port: 1)
        bus.publish(GatewayEvent(.handshakeFailed(kid: [0xAB], source: attacker, failure: .authenticationFailed)))
        for i in 0..<40 {
            bus.publish(GatewayEvent(.handshakeStarted(source: attacker, suite: 0,
                                                       ephemeralFingerprint: [UInt8(i), 1, 1, 1, 1, 1, 1, 1], session: UInt32(i))))
        }
        for _ in 0..<200 where calls.blocked.withLock({ $0.isEmpty }) || calls.performed.withLock({ $0.isEmpty }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let performed = calls.performed.withLock { $0 }
        #expect(performed.count == 1)
        #expect(performed.first?.0 == .quarantine)
        #expect(performed.first?.1 == [0xAB])
        #expect(performed.first?.2.evidence.first == "rule:message3-authentication-failed")
        #expect(calls.blocked.withLock { $0 } == [attacker])
        #expect(service.risk(of: [0xAB])?.stage == "quarantined")
    }

    @Test func aMissingModelMeansRulesOnlyAndAForeignOneIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-detect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try DetectionService.loadModel(DetectionConfiguration(), dataDirectory: directory) == nil)
        try Data("{\"version\": 1}".utf8).write(to: URL(fileURLWithPath: directory + "/detection-model.json"))
        #expect(throws: DetectionModelError.self) {
            try DetectionService.loadModel(DetectionConfiguration(), dataDirectory: directory)
        }
    }

    @Test func theLearnedModelIsSavedBesideTheTrainedOneNeverOverIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-learned-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let samples = (0..<300).map { i in
            ModelTrainer.Sample(kid: "k\(i % 6)", vector: (0..<Feature.count).map { Double(($0 + i) % 5) },
                                profile: [60, 13, 2])
        }
        let model = try ModelTrainer.train(samples, trainedOn: "test")
        let responder = DetectionService.Responder(perform: { _, _, _, _ in }, block: { _, _, _, _ in })
        let configuration = DetectionConfiguration()
        let withModel = DetectionService(configuration: configuration, model: model, responder: responder, logger: Logger(label: "test"))
        let path = try #require(try withModel.saveLearnedModel(configuration, dataDirectory: directory))
        #expect(path == directory + "/detection-model.learned.json")
        #expect(!FileManager.default.fileExists(atPath: directory + "/detection-model.json"))
        let read = try DetectionModel.read(from: path, expectedFeatureNames: Feature.names,
                                           expectedProfileFeatureNames: ProfileFeature.names)
        #expect(read.groups.count == model.groups.count)
        let rulesOnly = DetectionService(configuration: configuration, model: nil, responder: responder, logger: Logger(label: "test"))
        #expect(try rulesOnly.saveLearnedModel(configuration, dataDirectory: directory) == nil)
    }
}

import Foundation
import RampartCluster
import RampartGateway
import RampartGatewayServer
import RampartLedger
import RampartRegistry
import RampartSimulator
import Testing

/// The embedded gateway as `rampart gateway run` assembles it (`GatewayDeployment`): its event
/// stream summarised into the ledger while simulated devices run, actions recorded with their
/// reasons, every entry provable against the signed tree head.
@Suite("End to end: the embedded gateway's ledger", .serialized)
struct EndToEndLedgerTests {
    @Test("sessions, a forced re-key and a quarantine are recorded with their reasons; the ledger verifies and proves")
    func sessionsAndActionsAreRecorded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-ledger-e2e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = testConfiguration()
        configuration.dataDirectory = directory
        configuration.adminListen = ""
        // A directory that was a cluster member before: embedded mode takes it back.
        let marker = URL(fileURLWithPath: directory).appendingPathComponent(EmbeddedLedger.clusterMarker).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: marker, contents: Data("/rampart".utf8)))
        let events = EventBus()
        let deployment = try GatewayDeployment.open(configuration: configuration, events: events, logger: quietLogger)
        #expect(!FileManager.default.fileExists(atPath: marker), "tools seal their entries again")
        var options = testOptions()
        options.ledger = deployment.ledgerSink
        let server = try await GatewayServer.start(configuration: configuration, engine: deployment.engine, events: events,
                                                   adminToken: nil, logger: quietLogger, options: options)
        await deployment.start()
        let engine = deployment.engine

        let registry = try SQLiteDeviceRegistry(dataDirectory: directory)
        _ = try SimulatedFleet.register(count: 4, seed: 5, suite: 0, into: registry)
        let rekeyed = try SimulatedIdentity(index: 0, seed: 5, suite: 0, crypto: .init()).kid
        let suspect = try SimulatedIdentity(index: 1, seed: 5, suite: 0, crypto: .init()).kid
        var simulation = SimulatorOptions(gateway: server.udpAddress!, gatewayCredential: try GatewayKeyStore.credential(suite: 0, dataDirectory: directory),
                                          deviceCount: 4, readingsPerSecond: 4, durationSeconds: 4, suite: 0, seed: 5,
                                          rampUpSeconds: 0.2, threads: 1)
        simulation.maxSockets = 4
        async let run = Simulator.run(simulation, progressIntervalSeconds: 60)
        #expect(await eventually(within: 5) { engine.sessionCount == 4 })
        try await Task.sleep(for: .milliseconds(500))
        _ = try engine.perform(.forceRekey, kid: rekeyed, reason: "e2e: scheduled audit")
        _ = try engine.perform(.quarantine, kid: suspect, reason: "e2e: replayed message_1")
        _ = try await run
        await server.shutdown()
        try await deployment.stop()

        let store = try LedgerStore(dataDirectory: directory)
        let report = LedgerVerifier(store: store).verify()
        #expect(report.isValid, "\(report.problem.map { "\($0)" } ?? "")")
        let entries = try store.entries(from: 0, limit: Int(store.treeSize))
        #expect(entries.first?.type == .membership, "the log starts with the gateway's membership")

        let actions = entries.filter { $0.type == .securityEvent }
        #expect(actions.contains { $0.body["kid"] == .bytes(rekeyed) && $0.body["reason"] == .text("e2e: scheduled audit")
            && $0.body["action"] == .text("force-rekey") })
        #expect(actions.contains { $0.body["kid"] == .bytes(suspect) && $0.body["reason"] == .text("e2e: replayed message_1") })

        let sessions = entries.filter { $0.type == .session }
        let rekeyedOutcomes = sessions.filter { $0.body["kid"] == .bytes(rekeyed) }.compactMap { $0.body["outcome"]?.textValue }
        #expect(rekeyedOutcomes.contains("force-rekey"), "the re-keyed session was summarised: \(rekeyedOutcomes)")
        #expect(rekeyedOutcomes.contains("open-at-shutdown"), "its next session too: \(rekeyedOutcomes)")
        let ended = sessions.first { $0.body["kid"] == .bytes(rekeyed) && $0.body["outcome"] == .text("force-rekey") }
        #expect((ended?.body["requests"]?.unsignedValue ?? 0) >= 1, "requests counted in the summary")
        #expect(sessions.contains { $0.body["kid"] == .bytes(suspect) && $0.body["outcome"] == .text("quarantine") })

        // Every entry is provable against the signed head of the last block.
        let head = try #require(store.latestHead)
        for entry in entries {
            let proof = try store.inclusionProof(index: entry.index, treeSize: head.treeSize)
            try MerkleVerification.verifyInclusion(leafHash: entry.leafHash, index: entry.index, size: head.treeSize,
                                                   proof: proof, root: head.root)
        }

        // The audit CLI on the same directory: verify, export, a proof; then one flipped byte.
        let verified = try runRampart(["ledger", "verify", "--data-dir", directory, "--json", "--quiet"])
        #expect(verified.status == 0, "\(verified.output)")
        let exported = try runRampart(["ledger", "export", "--data-dir", directory, "--quiet"])
        #expect(exported.output.split(separator: "\n").count == entries.count)
        let proved = try runRampart(["ledger", "proof", "inclusion", "--data-dir", directory, "--index", "2", "--json"])
        #expect(proved.status == 0 && proved.output.contains("\"verified\":true"), "\(proved.output)")

        let victim = entries[entries.count / 2]
        #expect(try flipByte(of: victim.signature, inFilesOf: directory) > 0, "the entry's signature is in the database files")
        let tampered = try runRampart(["ledger", "verify", "--data-dir", directory, "--json", "--quiet"])
        #expect(tampered.status == 1, "verify exits 1 on a tampered ledger: \(tampered.output)")
        #expect(tampered.output.contains("\"entry\":\(victim.index)"), "and names the entry: \(tampered.output)")
    }

    /// Flips the first byte of every occurrence of `needle` in the ledger's database files
    /// (the main file and the write-ahead log); returns how many it changed.
    func flipByte(of needle: [UInt8], inFilesOf directory: String) throws -> Int {
        var flipped = 0
        for name in ["ledger.sqlite", "ledger.sqlite-wal"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            guard var bytes = try? [UInt8](Data(contentsOf: url)) else { continue }
            var offset = 0
            while offset + needle.count <= bytes.count {
                if bytes[offset] == needle[0] && Array(bytes[offset ..< offset + needle.count]) == needle {
                    bytes[offset] ^= 0x01
                    flipped += 1
                    offset += needle.count
                } else {
                    offset += 1
                }
            }
            try Data(bytes).write(to: url)
        }
        return flipped
    }

    /// Runs `.build/release/rampart` (or debug): exit status and both outputs.
    func runRampart(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = ["release", "debug"].map { root.appending(components: ".build", $0, "rampart") }
        let executable = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                                      "no .build/{release,debug}/rampart: run `make host`")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }
}

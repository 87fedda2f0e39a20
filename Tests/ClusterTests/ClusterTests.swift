import EtcdTestSupport
import Foundation
import RampartCluster
import RampartGateway
import RampartLedger
import RampartSimulator
import Testing

/// Three etcd members and three gateways on loopback: one ordered ledger, shared registry,
/// quarantine and revocation sets, and the faults of issue 6.
@Suite("Cluster: three gateways through etcd", .serialized, .enabled(if: EtcdTestCluster.isAvailable, "needs etcd (scripts/setup.sh installs etcd-server)"))
struct ClusterTests {
    @Test("a device registered on one gateway is served by another; a quarantine on one is enforced on all; one ledger")
    func sharedRegistryActionsAndLedger() async throws {
        try await withCluster { _, gateways in
            let (a, b, c) = (gateways[0], gateways[1], gateways[2])
            // Register the fleet on A only; B learns it through etcd.
            _ = try SimulatedFleet.register(count: 4, seed: 11, suite: 0, into: a.member.directory)
            let suspect = try SimulatedIdentity(index: 1, seed: 11, suite: 0, crypto: .init()).kid
            #expect(await eventually(within: 5) { b.status(suspect) == .active && c.status(suspect) == .active },
                    "registrations reach every gateway")

            var options = SimulatorOptions(gateway: b.udpAddress, gatewayCredential: try b.credential(suite: 0),
                                           deviceCount: 4, readingsPerSecond: 4, durationSeconds: 7, suite: 0, seed: 11,
                                           rampUpSeconds: 0.3, threads: 1)
            options.maxSockets = 4
            async let run = Simulator.run(options, progressIntervalSeconds: 60)
            #expect(await eventually(within: 5) { b.engine.sessionCount == 4 }, "every device connects to B")

            // Quarantined on A: B drops the session and refuses the device's EDHOC; C agrees.
            _ = try a.engine.perform(.quarantine, kid: suspect, reason: "cluster test: quarantine on A")
            #expect(await eventually(within: 2) { b.status(suspect) == .quarantined && c.status(suspect) == .quarantined })
            #expect(await eventually(within: 1) { (try? b.engine.deviceState(kid: suspect)?.hasSession) == false },
                    "B ended the quarantined device's session")
            try await Task.sleep(for: .seconds(2))
            #expect(try b.engine.deviceState(kid: suspect)?.hasSession == false, "and it stays out")
            #expect(b.engine.sessionCount == 3, "the other devices keep their sessions")

            // Released on C: back everywhere, and the device reconnects to B.
            _ = try c.engine.perform(.release, kid: suspect, reason: "cluster test: release on C")
            #expect(await eventually(within: 2) { a.status(suspect) == .active && b.status(suspect) == .active })
            #expect(await eventually(within: 9) { (try? b.engine.deviceState(kid: suspect)?.hasSession) == true })
            let summary = try await run
            #expect(summary.quarantineEntries >= 1)

            // One ledger: after the servers stop (their recorders flush), every copy converges.
            for gateway in gateways { await gateway.server.shutdown() }
            #expect(await eventually(within: 10) { (try? converged(gateways, atLeast: 5)) == true }, "one log on every gateway")
            for gateway in gateways {
                let report = LedgerVerifier(store: gateway.store).verify()
                #expect(report.isValid, "\(gateway.name): \(report.problem.map { "\($0)" } ?? "")")
            }
            let entries = try a.store.entries(from: 0, limit: Int(a.store.treeSize))
            let members = Set(entries.filter { $0.type == .membership }.map(\.gateway))
            #expect(members.count == 3, "each gateway joined")
            let reasons = entries.filter { $0.type == .securityEvent }.compactMap { $0.body["reason"]?.textValue }
            #expect(reasons.contains("cluster test: quarantine on A"))
            #expect(reasons.contains { $0.hasPrefix("cluster: quarantine on gateway") }, "B and C record the action they applied")
            #expect(entries.contains { $0.type == .session && $0.body["outcome"] == .text("quarantine") },
                    "B summarised the session the quarantine ended")
        }
    }

    @Test("one kid on two gateways: after a clone's handshake on B, the original's requests on A get the kid quarantined everywhere")
    func oneKidOnTwoGateways() async throws {
        try await withCluster(gateways: 2, detects: true) { _, gateways in
            let (a, b) = (gateways[0], gateways[1])
            _ = try SimulatedFleet.register(count: 1, seed: 41, suite: 0, into: a.member.directory)
            let kid = try SimulatedIdentity(index: 0, seed: 41, suite: 0, crypto: .init()).kid
            #expect(await eventually(within: 5) { b.status(kid) == .active })
            let actions = ActionLog(a.events)

            // The original talks to A; a clone with the same key, to B.
            let original = SimulatorOptions(gateway: a.udpAddress, gatewayCredential: try a.credential(suite: 0),
                                            deviceCount: 1, readingsPerSecond: 4, durationSeconds: 8, suite: 0, seed: 41,
                                            rampUpSeconds: 0.1, threads: 1)
            async let first = Simulator.run(original, progressIntervalSeconds: 60)
            #expect(await eventually(within: 4) { a.engine.sessionCount == 1 })
            let clone = SimulatorOptions(gateway: b.udpAddress, gatewayCredential: try b.credential(suite: 0),
                                         deviceCount: 1, readingsPerSecond: 4, durationSeconds: 1.5, suite: 0, seed: 41,
                                         rampUpSeconds: 0.1, threads: 1)
            let cloned = try await Simulator.run(clone, progressIntervalSeconds: 60)
            #expect(cloned.handshakesSucceeded >= 1)

            #expect(await eventually(within: 6) { a.status(kid) == .quarantined && b.status(kid) == .quarantined },
                    "A's detector quarantined the kid and B applied it")
            #expect(await eventually(within: 2) { actions.evidence(for: kid).contains("rule:one-kid-two-gateways") })
            _ = try await first
        }
    }

    @Test("killing the etcd leader during writes: writes continue on the quorum, nothing is lost or doubled")
    func leaderKilledDuringWrites() async throws {
        try await withCluster(gateways: 2) { etcd, gateways in
            let subjects = (0 ..< 400).map { "leader-\($0)" }
            let writers = gateways.enumerated().map { index, gateway in
                Task {
                    for (n, subject) in subjects.enumerated() where n % 2 == index {
                        try await gateway.ledger.record([marker(subject)])
                        if n % 40 == 0 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(150))
            etcd.kill(member: try await etcd.leaderIndex())
            for writer in writers { try await writer.value }
            #expect(await eventually(within: 20) {
                (try? converged(gateways, atLeast: UInt64(subjects.count))) == true
                    && (try? gateways[0].ledger.queuedEntryCount()) == 0 && (try? gateways[1].ledger.queuedEntryCount()) == 0
            })
            let recorded = try markerSubjects(gateways[0].store)
            #expect(recorded.count == subjects.count, "no entry doubled")
            #expect(Set(recorded) == Set(subjects), "no entry lost")
            #expect(LedgerVerifier(store: gateways[1].store).verify().isValid)
        }
    }

    @Test("etcd without quorum: gateways keep serving from the last known registry and queue entries; all flushed when quorum returns")
    func quorumLoss() async throws {
        try await withCluster(gateways: 2) { etcd, gateways in
            let (a, b) = (gateways[0], gateways[1])
            _ = try SimulatedFleet.register(count: 2, seed: 21, suite: 2, into: a.member.directory)
            let kid = try SimulatedIdentity(index: 0, seed: 21, suite: 2, crypto: .init()).kid
            #expect(await eventually(within: 5) { b.status(kid) == .active })
            #expect(await eventually(within: 5) { (try? settled(gateways)) == true })

            let leader = try await etcd.leaderIndex()
            let others = (0 ..< 3).filter { $0 != leader }
            etcd.kill(member: leader)
            etcd.kill(member: others[0])

            // Devices still complete EDHOC at B with the registry it had.
            var options = SimulatorOptions(gateway: b.udpAddress, gatewayCredential: try b.credential(suite: 2),
                                           deviceCount: 2, readingsPerSecond: 4, durationSeconds: 6, suite: 2, seed: 21,
                                           rampUpSeconds: 0.2, threads: 1)
            // 6 s, not 3: on a loaded 2-core CI machine a P-256 handshake plus a retransmission
            // took longer than 3 s once (one device of two connected).
            options.maxSockets = 2
            let summary = try await Simulator.run(options, progressIntervalSeconds: 60)
            #expect(summary.devicesConnected == 2)
            #expect(summary.telemetryAcknowledged >= 2)

            // Entries written meanwhile are acknowledged from the local queue.
            for n in 0 ..< 20 { try await gateways[n % 2].ledger.record([marker("quorum-\(n)")]) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try a.ledger.queuedEntryCount() + b.ledger.queuedEntryCount() >= 20, "queued while etcd has no quorum")

            try await etcd.restart(member: leader)
            try await etcd.restart(member: others[0])
            #expect(await eventually(within: 30) {
                (try? a.ledger.queuedEntryCount()) == 0 && (try? b.ledger.queuedEntryCount()) == 0
                    && (try? converged(gateways, atLeast: 24)) == true
            })
            let recorded = try markerSubjects(a.store)
            #expect(Set(recorded) == Set((0 ..< 20).map { "quorum-\($0)" }))
            #expect(recorded.count == 20)
        }
    }

    @Test("a gateway that dies between etcd's commit and its local append loses and doubles nothing on restart")
    func crashMidBlock() async throws {
        try await withCluster(gateways: 2) { _, gateways in
            let (a, b) = (gateways[0], gateways[1])
            #expect(await eventually(within: 5) { (try? settled(gateways)) == true })
            struct SimulatedCrash: Error {}
            await a.ledger.setAfterEtcdCommit { _ in throw SimulatedCrash() }
            let sizeBefore = a.store.treeSize
            try await a.ledger.record((0 ..< 10).map { marker("crash-\($0)") })
            // The block reaches etcd (B applies it) but not A's copy.
            #expect(await eventually(within: 5) { b.store.treeSize >= sizeBefore + 10 })
            #expect(a.store.treeSize == sizeBefore, "no partial block in A's copy")
            await a.stop()
            try await a.restart()
            #expect(await eventually(within: 5) { (try? converged([a, b], atLeast: sizeBefore + 10)) == true })
            #expect(await eventually(within: 2) { (try? a.ledger.queuedEntryCount()) == 0 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(try markerSubjects(a.store) == (0 ..< 10).map { "crash-\($0)" }, "each entry exactly once, in order")
            #expect(try converged([a, b]))
        }
    }

    @Test("a gateway presenting a forked history is caught by its peers, with the position")
    func forkedHistory() async throws {
        try await withCluster(gateways: 2) { _, gateways in
            let (a, b) = (gateways[0], gateways[1])
            #expect(await eventually(within: 5) { (try? settled(gateways)) == true })
            try await b.ledger.record((0 ..< 5).map { marker("fork-\($0)") })
            #expect(await eventually(within: 5) { (try? settled(gateways)) == true && (try? markerSubjects(a.store).count) == 5 })
            // B rewrites its history: a signed head for the same size with another root.
            await b.stop()
            let genuine = try #require(b.store.latestHead)
            let signer = try LedgerSigner.loadOrCreate(dataDirectory: b.dataDirectory)
            let forgedRoot = try #require(LedgerHash(bytes: [UInt8](repeating: 0xAB, count: 32)))
            let forged = TreeHead.signed(block: genuine.block, treeSize: genuine.treeSize, root: forgedRoot,
                                         time: genuine.time, signer: signer)
            _ = try await a.member.etcd.put(a.member.keys.head(signer.gatewayID), value: forged.encoded)
            try await a.ledger.checkPeerHeads()
            let problems = await a.ledger.detectedProblems
            let problem = try #require(problems.first)
            #expect(problem.position == .block(genuine.block))
            #expect(problem.what.contains(signer.gatewayID.hex) && problem.what.contains("forked"))
        }
    }
}

import Testing
import RampartDevice
import RampartProtocol

/// Forced re-key (the gateway drops the context), scheduled re-key (by time and by OSCORE
/// key usage): each a full EDHOC run with fresh keys.
@Suite("Device: re-keying")
struct RekeyTests {
    @Test("4.01 to a telemetry request: the context is wiped and a new handshake gives new keys")
    func forcedRekey() throws {
        let parties = try TestParties(suite: .suite2)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 1500)
        let firstID = device.senderID
        let first = try #require(firstID).array
        #expect(parties.gateway.readings.count == 2)

        parties.gateway.forceRekey()
        link.run(&device, parties.gateway, until: 4100)

        // The reading at 2000 got 4.01; the device ran EDHOC again at once.
        #expect(parties.gateway.unauthorizedCount == 1)
        #expect(parties.gateway.sessionsEstablished == 2)
        #expect(device.counters.rekeysForced == 1 && device.counters.oscoreRejections == 1)
        let secondID = device.senderID
        let second = try #require(secondID).array
        #expect(second != first)
        // Readings 4 and 5 went through the new context; the old one opens none of them.
        #expect(parties.gateway.readings.map(\.readingNumber) == [1, 2, 4, 5])
        #expect(parties.gateway.openedByPreviousContext == 0)
        // The old context was wiped when the 4.01 came.
        #expect(device.counters.oscoreContextsWiped == 1)
        // The failure shows in the device's indicator (one failure in four outcomes, EWMA).
        #expect(parties.gateway.readings.last.map { $0.failurePerMille > 0 } == true)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a scheduled re-key after rekeyIntervalSeconds, with the old context until the new one is confirmed")
    func scheduledRekey() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice(.testing(rekeyIntervalSeconds: 2))
        let link = TestLink()
        var phases: [DevicePhase] = []
        link.run(&device, parties.gateway, until: 6900) { device in
            if phases.last != device.phase { phases.append(device.phase) }
            return false
        }
        // Sessions at 20 ms, then every 2 s after the last one completed.
        #expect(parties.gateway.sessionsEstablished == 4)
        #expect(Set(parties.gateway.sessionIDs).count == 4)
        #expect(device.counters.rekeysScheduled == 3 && device.counters.rekeysForced == 0)
        #expect(phases.starts(with: [.provisioned, .handshaking, .connected, .rekeying, .connected]))
        // No reading was lost across the re-keys.
        #expect(device.counters.telemetrySent == device.counters.telemetryAcknowledged)
        #expect(parties.gateway.readings.map(\.readingNumber) == Array(1...7))
        #expect(device.counters.oscoreContextsWiped == 3)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a failed re-key keeps the old context for telemetry and backs off before the next attempt")
    func failedRekey() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice(.testing(rekeyAfterProtectedMessages: 2))
        let link = TestLink()
        link.run(&device, parties.gateway, until: 500)
        // From now on the gateway never sees a handshake request.
        link.dropRequest = { !TestCoAP.hasOption($0.bytes, .oscore) }
        link.run(&device, parties.gateway, until: 12_000)

        // The re-key after reading 2 (q = 2) timed out after 1 + 4 transmissions.
        #expect(device.counters.handshakesFailed >= 1 && device.counters.exchangeTimeouts >= 1)
        #expect(device.phase == .connected || device.phase == .rekeying)
        let attempts = link.message1Requests.filter { $0.time > 500 }
        let starts = attempts.enumerated().filter { $0.offset == 0 || $0.element.bytes != attempts[$0.offset - 1].bytes }
            .map(\.element.time)
        #expect(starts.count >= 2)
        // Between the attempts a reading went out through the old context and was acknowledged.
        if starts.count >= 2 {
            let between = link.oscoreRequests.filter { $0.time > starts[0] && $0.time < starts[1] }
            #expect(between.count == 1)
            let gap = starts[1] - (between.first?.time ?? 0)
            #expect(gap >= 40, "the next attempt must wait out the back-off (≥ 50 ms after the give-up)")
        }
        #expect(parties.gateway.readings.count >= 3)
        #expect(parties.gateway.sessionsEstablished == 1)

        // The gateway answers again: the re-key completes.
        link.dropRequest = { _ in false }
        link.run(&device, parties.gateway, until: 25_000)
        #expect(device.phase == .connected)
        #expect(device.counters.rekeysScheduled >= 1)
        #expect(parties.gateway.sessionsEstablished >= 2)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("a re-key before the OSCORE key usage limit")
    func usageRekey() throws {
        let parties = try TestParties(suite: .suite0)
        var device = try parties.makeDevice(.testing(rekeyAfterProtectedMessages: 3))
        let link = TestLink()
        link.run(&device, parties.gateway, until: 3500)
        // Three readings protected (q = 3), then a new session before the fourth.
        #expect(parties.gateway.sessionsEstablished == 2)
        #expect(device.counters.rekeysScheduled == 1)
        #expect(device.keyUsage.map { $0.countQ } == 1)
        #expect(parties.gateway.readings.count == 4)
        #expect(device.shutdown().secretsAllWiped)
    }
}

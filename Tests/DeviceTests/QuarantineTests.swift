import Testing
import RampartDevice
import RampartProtocol

/// The gateway's quarantine and revocation, as the device sees them: a forced re-key whose
/// handshake is answered with EDHOC ERR_CODE 1 "quarantined" or "revoked".
@Suite("Device: quarantine and revocation")
struct QuarantineTests {
    @Test("quarantined: jittered exponential back-off with growing waits, then a session after release")
    func quarantine() throws {
        let parties = try TestParties(suite: .suite0)
        let policy = BackOffPolicy(baseMilliseconds: 400, capMilliseconds: 3200)
        var device = try parties.makeDevice(.testing(quarantineBackOff: policy))
        let link = TestLink()
        link.run(&device, parties.gateway, until: 1500)
        #expect(device.phase == .connected)

        parties.gateway.forceRekey()
        parties.gateway.message3Diagnostic = "quarantined"
        link.run(&device, parties.gateway, until: 12_000)
        #expect(device.phase == .quarantined)
        let hasContext = device.hasSecurityContext
        #expect(!hasContext)
        #expect(device.counters.quarantineEntries == 1)

        // Each attempt is answered 20 ms after its message_1; the wait before the next is
        // drawn from [d/2, d], d = min(3200, 400 × 2^n).
        let starts = link.message1Requests.map(\.time).dropFirst()
        let waits = zip(starts, starts.dropFirst()).map { $1 - ($0 + 20) }
        #expect(waits.count >= 4)
        for (n, wait) in waits.enumerated() {
            let ceiling = UInt64(policy.ceilingMilliseconds(attempt: UInt32(n)))
            #expect(wait >= ceiling / 2 && wait <= ceiling, "wait \(n) = \(wait) ms outside [\(ceiling / 2), \(ceiling)]")
        }
        #expect(waits[2] > waits[0])

        // Released: the next attempt succeeds and telemetry resumes.
        parties.gateway.message3Diagnostic = nil
        let readingsBefore = parties.gateway.readings.count
        link.run(&device, parties.gateway, until: 17_000)
        #expect(device.phase == .connected)
        #expect(device.counters.quarantineEntries == 1)
        #expect(parties.gateway.readings.count > readingsBefore)
        #expect(device.shutdown().secretsAllWiped)
    }

    @Test("revoked: the device stops and keeps no session secret")
    func revoked() throws {
        let parties = try TestParties(suite: .suite2)
        var device = try parties.makeDevice()
        let link = TestLink()
        link.run(&device, parties.gateway, until: 1500)
        parties.gateway.forceRekey()
        parties.gateway.message3Diagnostic = "revoked"
        link.run(&device, parties.gateway, until: 120_000)

        #expect(device.phase == .revoked)
        let hasContext = device.hasSecurityContext
        #expect(!hasContext)
        #expect(link.lastWake == UInt64.max)
        // Nothing after the message_3 that was answered "revoked": the reading at 2000 ms got
        // 4.01, message_1 went at 2010 ms, message_3 at 2020 ms.
        let last = try #require(link.sent.last)
        #expect(last.time == 2020)
        #expect(TestCoAP.payload(last.bytes).first != EDHOCOverCoAP.message1Prefix)
        let counters = device.counters
        #expect(counters.oscoreContextsDerived == counters.oscoreContextsWiped)
        #expect(device.shutdown().secretsAllWiped)
    }
}

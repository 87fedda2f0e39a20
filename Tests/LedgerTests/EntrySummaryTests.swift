import RampartGateway
import Testing
@testable import RampartLedger

/// The typed summaries the gateway and the tools write: each is a valid body of its type, and
/// a registration's salted hash can be re-checked by whoever holds the data, and only by them.
@Suite struct EntrySummaryTests {
    let record = DeviceRecord(kid: [0x2B], credential: [0xA1, 0x02, 0x03], suites: [0],
                              policy: DevicePolicy(group: "greenhouse", rekeyIntervalSeconds: 600, telemetryIntervalSeconds: 5),
                              label: "sensor 42")

    @Test func aRegistrationHidesItsDataBehindASaltedHash() throws {
        let data = RegistrationSummary.registrationData(record, extra: [("device_id", .bytes([1, 2, 3, 4]))])
        let salt = [UInt8](repeating: 7, count: RegistrationSummary.saltByteCount)
        let summary = RegistrationSummary(record: record, registrationData: data, salt: salt, tool: "rampart provision",
                                          reason: "provisioned")
        #expect(summary.registrationHash == LedgerDigest.sha256(salt + data), "the holder of the data can re-check it")
        #expect(summary.credentialSHA256 == LedgerDigest.sha256(record.credential))
        let other = RegistrationSummary(record: record, registrationData: data, salt: [UInt8](repeating: 8, count: 16),
                                        tool: "rampart provision", reason: "provisioned")
        #expect(other.registrationHash != summary.registrationHash, "another salt, another hash: no guessing across entries")
        let fresh = RegistrationSummary(record: record, registrationData: data, tool: "t", reason: "r")
        #expect(fresh.registrationSalt.count == 16 && fresh.registrationSalt != salt, "a fresh random salt by default")

        let entry = summary.pendingEntry(time: 1)
        #expect(throws: Never.self) { try entry.validate() }
        #expect(entry.body["policy"]?["group"] == .text("greenhouse"))
        #expect(entry.body["tool"] == .text("rampart provision"))
        #expect(!entry.body.encoded().contains(subsequence: Array("sensor 42".utf8)), "the label itself is not stored")
    }

    @Test func everySummaryIsAValidBodyOfItsType() throws {
        let entries = [
            SessionSummary(kid: [1], start: 10, end: 20, outcome: "evicted", session: 9, suite: -24, requests: 3,
                           rejections: ["replay": 2, "decryptionFailed": 1]).pendingEntry(time: 20),
            SecurityEventSummary(kid: [1], score: 5000, evidence: ["replayed G_X"], action: "quarantine", reason: "rule",
                                 changed: true).pendingEntry(time: 21),
            PolicyChangeSummary(subject: "gateway-configuration", old: "", new: "ab", reason: "first start").pendingEntry(time: 22),
        ]
        #expect(entries.map(\.type) == [.session, .securityEvent, .policyChange])
        for entry in entries { #expect(throws: Never.self) { try entry.validate() } }
        #expect(entries[1].body["score"] == .unsigned(SecurityEventSummary.maxScore), "scores are clamped to 1000")
        #expect(entries[0].body["suite"] == .int(-24))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0 ... count - subsequence.count).contains { Array(self[$0 ..< $0 + subsequence.count]) == subsequence }
    }
}

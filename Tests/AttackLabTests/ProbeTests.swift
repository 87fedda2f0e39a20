import Foundation
import Testing
@testable import RampartAttackLab

@Suite struct ProbeTests {
    @Test func probe() throws {
        for duration in [5.0, 20.0, 60.0] {
            let started = Date()
            let record = try AttackLab.run(LabOptions(scenario: .clean, seed: 5, devices: 4, durationSeconds: duration,
                                                      attackStartSeconds: 1, attackSeconds: 1))
            FileHandle.standardError.write("duration \(duration): wall \(Date().timeIntervalSince(started)) events \(record.events) hs \(record.handshakes) acc \(record.requestsAccepted)\n".data(using: .utf8)!)
        }
    }
}

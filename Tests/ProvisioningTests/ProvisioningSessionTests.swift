import Foundation
import RampartDevice
import RampartGateway
import RampartProtocol
import RampartRegistry
import Testing
@testable import RampartProvisioning

/// `rampart provision` against a board on a pseudo-terminal, running the firmware's
/// provisioning logic on a thread, with a real registry and gateway keys in a temporary
/// data directory.
@Suite("Provisioning: sessions over a serial link")
struct ProvisioningSessionTests {
    /// Short waits: the fake board answers at once, and the failure cases should not wait
    /// ten seconds. Generous enough for P-256 key generation in a debug build.
    static let timing = ProvisioningTiming(statusAttemptSeconds: 0.2, statusSeconds: 5, answerSeconds: 20,
                                           confirmationSeconds: 20)
    /// For the cases where `done` must not come: the wait is what the test sits through.
    static let impatient = ProvisioningTiming(statusAttemptSeconds: 0.2, statusSeconds: 5, answerSeconds: 20,
                                              confirmationSeconds: 0.5)

    /// Runs one session against `board` with a new link (as each `rampart provision` does).
    func provision(_ board: FakeBoard, _ gateway: GatewayContext,
                   _ request: ProvisioningRequest) throws(ProvisioningError) -> ProvisionedBoard {
        let link = try SerialFrameLink(path: board.path, baudRate: 115_200)
        return try ProvisioningSession(link: link, gateway: gateway, request: request).run()
    }

    func request(suite: Int32 = 0, keyID: [UInt8]? = nil, factoryReset: Bool = false,
                 timing: ProvisioningTiming = timing) -> ProvisioningRequest {
        ProvisioningRequest(suite: suite, keyID: keyID,
                            policy: ProvisioningPolicy(telemetryIntervalMilliseconds: 500, rekeyIntervalSeconds: 900,
                                                       ackTimeoutMilliseconds: 1500,
                                                       quarantineBackOffBaseMilliseconds: 1000,
                                                       quarantineBackOffCapMilliseconds: 60_000),
                            group: "greenhouse", label: "bench 3", factoryReset: factoryReset, timing: timing)
    }

    @Test("an unprovisioned board is provisioned and registered with the key it offered", arguments: [Int32(0), 2])
    func endToEnd(suite: Int32) throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: suite)
        let logic = ResponderBoard()
        let board = try FakeBoard(logic)
        board.start()
        let result = try provision(board, gateway, request(suite: suite))
        board.stop()

        #expect(result.outcome == .provisioned)
        #expect(result.suite == suite)
        #expect(result.firmware == "rampart-test 1.0")
        #expect(result.firmwareSuites == [0, 2])
        #expect(result.kid.count == 2 * ProvisioningRequest.randomKeyIDByteCount)
        let kid = try #require([UInt8](hexString: result.kid))
        let record = try #require(try gateway.registry.device(kid: kid))
        // The registered CRED_I carries the key the board offered, and the board's own.
        let credential = try EDHOCCredential(ccs: record.credential.span)
        #expect(logic.offeredKeys.count == 1)
        #expect((0..<32).map { credential.publicKey[$0] } == logic.offeredKeys.first)
        #expect(credential.suite.rawValue == suite)
        #expect(record.suites == [suite])
        let identity = try #require(logic.identity)
        #expect(identity.credential.array == record.credential)
        #expect(identity.deviceID.hexString == result.deviceID)
        // The policy reached the board as given; the registry keeps whole seconds.
        #expect(logic.receivedPolicies == [request().policy])
        #expect(record.policy == DevicePolicy(group: "greenhouse", rekeyIntervalSeconds: 900, telemetryIntervalSeconds: 1))
        #expect(record.label == "bench 3")
        #expect(record.status == .active)
    }

    @Test("a board that is still booting and chatting CoAP is waited for, and the assigned kid is used")
    func bootingBoard() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        logic.unansweredStatusCount = 3
        logic.sendsCoAP = true
        let board = try FakeBoard(logic)
        board.start()
        let result = try provision(board, gateway, request(keyID: [0xA1, 0xB2]))
        board.stop()
        #expect(result.outcome == .provisioned)
        #expect(result.kid == "a1b2")
        #expect(try gateway.registry.device(kid: [0xA1, 0xB2]) != nil)
        #expect(logic.identity?.keyID.array == [0xA1, 0xB2])
    }

    @Test("a provisioned board is adopted by a registry that lacks it, then found registered")
    func adopt() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        let gatewayA = try GatewayContext(dataDirectory: first.path, sealingKeyFile: nil, suite: 0)
        let gatewayB = try GatewayContext(dataDirectory: second.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        let board = try FakeBoard(logic)
        board.start()
        defer { board.stop() }
        let provisioned = try provision(board, gatewayA, request())

        let adopted = try provision(board, gatewayB, request())
        #expect(adopted.outcome == .adopted)
        #expect(adopted.kid == provisioned.kid)
        #expect(adopted.deviceID == provisioned.deviceID)
        #expect(adopted.policy == nil)
        let kid = try #require([UInt8](hexString: adopted.kid))
        #expect(try gatewayB.registry.device(kid: kid)?.credential == gatewayA.registry.device(kid: kid)?.credential)

        let again = try provision(board, gatewayB, request())
        #expect(again.outcome == .alreadyRegistered)
        #expect(try gatewayB.registry.list().count == 1)
    }

    @Test("a provisioned board is not re-provisioned without --factory-reset, even when asked for another kid")
    func refuseWithoutFactoryReset() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        let board = try FakeBoard(logic)
        board.start()
        defer { board.stop() }
        let provisioned = try provision(board, gateway, request())
        let deviceID = logic.identity?.deviceID.hexString

        let second = try provision(board, gateway, request(keyID: [0x77]))
        #expect(second.outcome == .alreadyRegistered)
        #expect(second.kid == provisioned.kid)
        #expect(logic.identity?.deviceID.hexString == deviceID)
        #expect(logic.offeredKeys.count == 1)
        #expect(try gateway.registry.device(kid: [0x77]) == nil)
    }

    @Test("a provisioned board whose kid the registry holds for another credential is a conflict")
    func conflict() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        let gatewayA = try GatewayContext(dataDirectory: first.path, sealingKeyFile: nil, suite: 0)
        let gatewayB = try GatewayContext(dataDirectory: second.path, sealingKeyFile: nil, suite: 0)
        let board = try FakeBoard(ResponderBoard())
        let other = try FakeBoard(ResponderBoard())
        board.start()
        other.start()
        defer { board.stop(); other.stop() }
        // Both boards get kid 0x42, from two registries; B then meets the first board.
        _ = try provision(board, gatewayA, request(keyID: [0x42]))
        _ = try provision(other, gatewayB, request(keyID: [0x42]))
        #expect(throws: ProvisioningError.keyIDConflict(kid: [0x42])) {
            _ = try provision(board, gatewayB, request())
        }
    }

    @Test("--factory-reset gives a provisioned board a new identity and removes its old registration")
    func factoryReset() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        let board = try FakeBoard(logic)
        board.start()
        defer { board.stop() }
        let old = try provision(board, gateway, request())
        let oldKid = try #require([UInt8](hexString: old.kid))

        let new = try provision(board, gateway, request(factoryReset: true))
        #expect(new.outcome == .provisioned)
        #expect(new.factoryReset)
        #expect(new.removedKid == old.kid)
        #expect(new.deviceID != old.deviceID)
        #expect(try gateway.registry.device(kid: oldKid) == nil)
        let newKid = try #require([UInt8](hexString: new.kid))
        #expect(try gateway.registry.device(kid: newKid)?.credential == logic.identity?.credential.array)
        #expect(logic.offeredKeys.count == 2 && logic.offeredKeys[0] != logic.offeredKeys[1])
    }

    @Test("--factory-reset keeps a registration of the old kid that belongs to another credential")
    func factoryResetKeepsForeignRegistration() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        let gatewayA = try GatewayContext(dataDirectory: first.path, sealingKeyFile: nil, suite: 0)
        let gatewayB = try GatewayContext(dataDirectory: second.path, sealingKeyFile: nil, suite: 0)
        let board = try FakeBoard(ResponderBoard())
        let other = try FakeBoard(ResponderBoard())
        board.start()
        other.start()
        defer { board.stop(); other.stop() }
        _ = try provision(board, gatewayA, request(keyID: [0x42]))
        let otherResult = try provision(other, gatewayB, request(keyID: [0x42]))

        let new = try provision(board, gatewayB, request(factoryReset: true))
        #expect(new.outcome == .provisioned)
        #expect(new.removedKid == nil)
        #expect(try gatewayB.registry.device(kid: [0x42])?.credential == [UInt8](hexString: otherResult.credential))
    }

    @Test("a board that dies before `done` leaves nothing registered and stays unprovisioned; the next run works")
    func neverConfirms() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        logic.ignoresProvision = true
        let board = try FakeBoard(logic)
        board.start()
        var failure: ProvisioningError? = nil
        do { _ = try provision(board, gateway, request(timing: Self.impatient)) } catch { failure = error }
        board.stop()

        let error = try #require(failure)
        guard case .notConfirmed = error else {
            Issue.record("expected notConfirmed, got \(error)")
            return
        }
        #expect(error.description.contains("the board did not confirm"))
        #expect(error.description.contains("it keeps its previous state (unprovisioned)"))
        #expect(error.description.contains("nothing was registered; run again"))
        #expect(try gateway.registry.list().isEmpty)
        #expect(logic.identity == nil)

        logic.ignoresProvision = false
        board.start()
        let retried = try provision(board, gateway, request())
        board.stop()
        #expect(retried.outcome == .provisioned)
        #expect(try gateway.registry.list().count == 1)
    }

    @Test("a board whose `done` is lost after its write is adopted by the next run")
    func lostConfirmation() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ResponderBoard()
        logic.dropsDone = true
        let board = try FakeBoard(logic)
        board.start()
        defer { board.stop() }
        #expect(throws: ProvisioningError.notConfirmed(previousState: "unprovisioned", seconds: 0.5)) {
            _ = try provision(board, gateway, request(timing: Self.impatient))
        }
        #expect(try gateway.registry.list().isEmpty)

        let adopted = try provision(board, gateway, request())
        #expect(adopted.outcome == .adopted)
        #expect(try gateway.registry.list().count == 1)
    }

    @Test("a kid that is already registered is refused before the board is touched")
    func kidTaken() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let first = try FakeBoard(ResponderBoard())
        let logic = ResponderBoard()
        let second = try FakeBoard(logic)
        first.start()
        second.start()
        defer { first.stop(); second.stop() }
        _ = try provision(first, gateway, request(keyID: [0x10, 0x20]))
        #expect(throws: ProvisioningError.keyIDTaken(kid: [0x10, 0x20])) {
            _ = try provision(second, gateway, request(keyID: [0x10, 0x20]))
        }
        #expect(logic.offeredKeys.isEmpty)
        #expect(logic.identity == nil)
    }

    @Test("a port where nothing answers is reported as such")
    func silentPort() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let pty = try PseudoTerminalPair()
        let link = try SerialFrameLink(path: pty.slavePath, baudRate: 115_200)
        let timing = ProvisioningTiming(statusAttemptSeconds: 0.1, statusSeconds: 0.3)
        let error = #expect(throws: ProvisioningError.self) {
            _ = try ProvisioningSession(link: link, gateway: gateway, request: request(timing: timing)).run()
        }
        guard case .noAnswer(let path, let attempts, _)? = error else {
            Issue.record("expected noAnswer, got \(String(describing: error))")
            return
        }
        #expect(path == pty.slavePath)
        #expect(attempts == 3)
        #expect(try gateway.registry.list().isEmpty)
    }

    @Test("the JSON result is one object with the board's identity and no secret")
    func json() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let board = try FakeBoard(ResponderBoard())
        board.start()
        let result = try provision(board, gateway, request())
        board.stop()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.jsonText(compact: true).utf8))
            as? [String: Any])
        #expect(object["outcome"] as? String == "provisioned")
        #expect(object["device_id"] as? String == result.deviceID)
        #expect(object["kid"] as? String == result.kid)
        #expect((object["policy"] as? [String: Any])?["telemetry_interval_ms"] as? Int == 500)
        #expect(Set(object.keys).isDisjoint(with: ["seed", "private_key"]))
        #expect(result.summary.contains("provisioned"))
        #expect(!result.jsonText(compact: true).contains("\n"))
    }
}

/// A fresh directory under the system's temporary directory, removed at the end.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "rampart-provisioning-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

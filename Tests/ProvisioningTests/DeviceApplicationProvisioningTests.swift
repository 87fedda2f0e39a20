import RampartDevice
import RampartGateway
import RampartProtocol
import RampartRegistry
import Testing
@testable import RampartProvisioning

/// `rampart provision` against the real device (`DeviceApplication`) on a pseudo-terminal:
/// once provisioned it starts EDHOC at once, so later sessions meet CoAP on the line.
@Suite("Provisioning: the device application as the board")
struct DeviceApplicationProvisioningTests {
    static let timing = ProvisioningSessionTests.timing

    func provision(_ board: FakeBoard, _ gateway: GatewayContext, suite: Int32 = 0, factoryReset: Bool = false,
                   timing: ProvisioningTiming = timing) throws(ProvisioningError) -> ProvisionedBoard {
        let link = try SerialFrameLink(path: board.path, baudRate: 115_200)
        let request = ProvisioningRequest(suite: suite, group: "cellar", factoryReset: factoryReset, timing: timing)
        return try ProvisioningSession(link: link, gateway: gateway, request: request).run()
    }

    @Test("the device is provisioned, registered with its offered key, starts EDHOC, and is then found registered",
          arguments: [Int32(0), 2])
    func endToEnd(suite: Int32) throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: suite)
        let logic = ApplicationBoard()
        #expect(logic.phase == .unprovisioned)
        let board = try FakeBoard(logic)
        board.start()
        let result = try provision(board, gateway, suite: suite)
        board.stop()

        #expect(result.outcome == .provisioned)
        #expect(result.firmware == "rampart-app-test")
        let kid = try #require([UInt8](hexString: result.kid))
        let record = try #require(try gateway.registry.device(kid: kid))
        let credential = try EDHOCCredential(ccs: record.credential.span)
        #expect(logic.offeredKeys.count == 1)
        #expect((0..<32).map { credential.publicKey[$0] } == logic.offeredKeys.first)
        #expect(logic.keyID == kid)
        #expect(logic.deviceID?.hexString == result.deviceID)
        #expect(logic.phase != .unprovisioned && logic.phase != .provisioning)

        // The device now sends EDHOC message_1 over the same line; status still gets through.
        board.start()
        let again = try provision(board, gateway, suite: suite)
        board.stop()
        #expect(again.outcome == .alreadyRegistered)
        #expect(again.kid == result.kid)
        #expect(logic.coapCount > 0)
    }

    @Test("a power cut during the flash write: no `done`, nothing registered, unprovisioned after reboot; the next run works")
    func tornWrite() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ApplicationBoard()
        logic.chip.tearNextWrite = true
        let board = try FakeBoard(logic)
        board.start()
        let error = #expect(throws: ProvisioningError.self) {
            _ = try provision(board, gateway, timing: ProvisioningSessionTests.impatient)
        }
        board.stop()
        #expect(error == .notConfirmed(previousState: "unprovisioned", seconds: 0.5))
        #expect(error?.description.contains("nothing was registered") == true)
        #expect(try gateway.registry.list().isEmpty)

        logic.reboot()
        #expect(logic.phase == .unprovisioned)
        board.start()
        let result = try provision(board, gateway)
        board.stop()
        #expect(result.outcome == .provisioned)
        #expect(try gateway.registry.list().map(\.kid) == [[UInt8](hexString: result.kid)])
    }

    @Test("--factory-reset on a running device: new identity, old registration gone, the record survives a reboot")
    func factoryReset() throws {
        let directory = try TemporaryDirectory()
        let gateway = try GatewayContext(dataDirectory: directory.path, sealingKeyFile: nil, suite: 0)
        let logic = ApplicationBoard()
        let board = try FakeBoard(logic)
        board.start()
        let old = try provision(board, gateway)
        let new = try provision(board, gateway, factoryReset: true)
        board.stop()

        #expect(new.outcome == .provisioned)
        #expect(new.removedKid == old.kid)
        #expect(new.deviceID != old.deviceID)
        #expect(try gateway.registry.list().map(\.kid) == [[UInt8](hexString: new.kid)])

        logic.reboot()
        #expect(logic.keyID == [UInt8](hexString: new.kid))
        #expect(logic.deviceID?.hexString == new.deviceID)
    }
}

import RampartGateway
import RampartGatewayServer
import Testing

@Suite("Framed CoAP over serial ports")
struct SerialTransportTests {
    func configuration(serial paths: [String]) -> GatewayConfiguration {
        var configuration = testConfiguration()
        configuration.udpListen = ""
        configuration.serialPorts = paths.map { GatewayConfiguration.SerialPortConfiguration(path: $0, baudRate: 115_200) }
        return configuration
    }

    @Test("frames in over a pty, framed answers out; noise between frames is skipped and counted")
    func framesThroughPseudoTerminal() async throws {
        let pty = try PseudoTerminalPair()
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine, configuration: configuration(serial: [pty.slavePath])) { server in
            #expect(server.serialPorts == [pty.slavePath])
            let first: [UInt8] = [0x40, 0x02, 0x00, 0x01, 0xFF, 0x00, 0x00]
            let second = [UInt8](repeating: 0x00, count: 300) + [0x99]
            // Noise before the first delimiter, a block cut short, a frame with a bad CRC,
            // and a body too short for a CRC.
            let noise: [UInt8] = [0x13, 0x37, 0x00, 0x03, 0x41, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0x00, 0x01]
            try pty.write(noise + (try serialFrame(first)) + noise + (try serialFrame(second)))

            let replies = pty.readFrames(count: 2)
            #expect(replies == [[FakeGatewayEngine.replyMarker] + first, [FakeGatewayEngine.replyMarker] + second])
            #expect(engine.received == [
                .init(bytes: first, source: .serial(path: pty.slavePath)),
                .init(bytes: second, source: .serial(path: pty.slavePath)),
            ])
            let metrics = try scrape(server)
            #expect(metrics["rampart_datagrams_received_total{transport=\"serial\"}"] == 2)
            // Each burst has a block cut short and a body too short for a CRC (malformed) and a
            // bad CRC. The leading 13 37 are discarded uncounted before the line's first
            // delimiter, but once in sync they are a block cut short too: 2 + 3 malformed.
            #expect(metrics["rampart_serial_frames_dropped_total{reason=\"malformed\"}"] == 5)
            #expect(metrics["rampart_serial_frames_dropped_total{reason=\"checksum\"}"] == 2)
        }
    }

    @Test("a frame split over many writes is reassembled")
    func byteByByte() async throws {
        let pty = try PseudoTerminalPair()
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine, configuration: configuration(serial: [pty.slavePath])) { _ in
            let payload = Array(UInt8(1)...UInt8(40))
            for byte in try serialFrame(payload) {
                try pty.write([byte])
            }
            #expect(pty.readFrames(count: 1) == [[FakeGatewayEngine.replyMarker] + payload])
        }
    }

    @Test("several serial ports at once, each answered on its own line")
    func twoPorts() async throws {
        let a = try PseudoTerminalPair()
        let b = try PseudoTerminalPair()
        let engine = FakeGatewayEngine()
        try await withTestServer(engine: engine, configuration: configuration(serial: [a.slavePath, b.slavePath])) { _ in
            try a.write(try serialFrame([0xAA]))
            try b.write(try serialFrame([0xBB]))
            #expect(a.readFrames(count: 1) == [[FakeGatewayEngine.replyMarker, 0xAA]])
            #expect(b.readFrames(count: 1) == [[FakeGatewayEngine.replyMarker, 0xBB]])
            #expect(Set(engine.received.map(\.source)) == [.serial(path: a.slavePath), .serial(path: b.slavePath)])
        }
    }

    @Test("a board that goes away does not disturb the rest; the port is retried until shutdown")
    func portGoesAway() async throws {
        let pty = try PseudoTerminalPair()
        let engine = FakeGatewayEngine()
        var configuration = configuration(serial: [pty.slavePath])
        configuration.udpListen = "127.0.0.1:0"
        try await withTestServer(engine: engine, configuration: configuration) { server in
            try pty.write(try serialFrame([0x01]))
            #expect(pty.readFrames(count: 1) == [[FakeGatewayEngine.replyMarker, 0x01]])
            pty.hangUp()
            // Several reopen attempts (every 50 ms here) fail meanwhile.
            try await Task.sleep(for: .milliseconds(300))
            let client = try UDPTestSocket()
            try client.send([0x02], to: try #require(server.udpAddress))
            #expect(client.receive() == [FakeGatewayEngine.replyMarker, 0x02])
        }
    }

    @Test("a serial port that cannot be opened stops the start with a clear error")
    func missingPort() async throws {
        let engine = FakeGatewayEngine()
        await #expect {
            _ = try await startTestServer(engine: engine, configuration: configuration(serial: ["/dev/rampart-no-such-tty"]))
        } throws: { error in
            guard case .serialPort(let path, let reason) = error as? GatewayServerError else { return false }
            return path == "/dev/rampart-no-such-tty" && reason.contains("cannot open")
        }
    }

    @Test("an unsupported baud rate is refused before anything opens")
    func badBaudRate() async throws {
        var configuration = configuration(serial: ["/dev/null"])
        configuration.serialPorts[0].baudRate = 12_345
        await #expect(throws: GatewayServerError.unsupportedBaudRate(path: "/dev/null", baudRate: 12_345)) {
            _ = try await startTestServer(engine: FakeGatewayEngine(), configuration: configuration)
        }
    }

    @Test("PATH@BAUD arguments")
    func serialArgument() {
        #expect(parseSerialPortArgument("/dev/ttyACM0")! == ("/dev/ttyACM0", 115_200))
        #expect(parseSerialPortArgument("/dev/ttyUSB1@921600")! == ("/dev/ttyUSB1", 921_600))
        #expect(parseSerialPortArgument("/dev/ttyUSB1@fast") == nil)
        #expect(parseSerialPortArgument("@9600") == nil)
        #expect(parseSerialPortArgument("") == nil)
    }
}

import Foundation
import RampartGateway
import RampartGatewayServer
import Testing

@Suite("Configuration file (JSON over the defaults)")
struct ConfigurationFileTests {
    @Test("a file names only what it changes; the rest keeps its default")
    func partialFile() throws {
        let json = #"""
            {"udpListen": "[::]:5683", "engine": {"maxSessions": 5000},
             "serialPorts": [{"path": "/dev/ttyACM0"}, {"path": "/dev/ttyUSB0", "baudRate": 921600}]}
            """#
        let configuration = try ConfigurationFile.decode(Data(json.utf8))
        var expected = GatewayConfiguration()
        expected.udpListen = "[::]:5683"
        expected.engine.maxSessions = 5000
        expected.serialPorts = [.init(path: "/dev/ttyACM0", baudRate: 115_200), .init(path: "/dev/ttyUSB0", baudRate: 921_600)]
        #expect(configuration == expected)
    }

    @Test("the printed defaults read back as the defaults, every key present")
    func defaultsRoundTrip() throws {
        let text = ConfigurationFile.encode(GatewayConfiguration())
        #expect(text.contains("\"keySealingKeyFile\" : null"))
        #expect(text.contains("\"maxDatagramBytes\" : 1152"))
        #expect(try ConfigurationFile.decode(Data(text.utf8)) == GatewayConfiguration())
        var changed = GatewayConfiguration()
        changed.keySealingKeyFile = "/etc/rampart/sealing.key"
        changed.engine.suites = [0]
        #expect(try ConfigurationFile.decode(Data(ConfigurationFile.encode(changed).utf8)) == changed)
    }

    @Test("mistakes are errors that name the key", arguments: [
        (#"{"udpListn": "x"}"#, "udpListn"),
        (#"{"engine": {"maxSesions": 1}}"#, "engine.maxSesions"),
        (#"{"serialPorts": [{"baud": 9600, "path": "/dev/x"}]}"#, "serialPorts[0].baud"),
        (#"{"serialPorts": [{"baudRate": 9600}]}"#, "path"),
        (#"{"engine": {"maxSessions": "many"}}"#, "maxSessions"),
        (#"{"engine": 3}"#, "engine"),
        (#"[1, 2]"#, "JSON object"),
        (#"{"udpListen": "#, "not valid JSON"),
    ])
    func errors(json: String, mentioned: String) {
        #expect {
            _ = try ConfigurationFile.decode(Data(json.utf8))
        } throws: { error in
            "\(error)".contains(mentioned)
        }
    }
}

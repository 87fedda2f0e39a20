import FirmwareMetrics
import Foundation
import Testing

/// `rampart bench handshake`: reading what the benchmark image prints and assembling the flat
/// JSON object of issue 3 (the image itself runs under `make bench-handshake`, not in the tests).
@Suite struct HandshakeBenchTests {
    /// The handshake part of a real mps2-an386 run (crypto lines left out).
    static let sample = """
        bench board=mps2-an386 ns_per_tick=40/1
        bench initiator_suite0_message1 ticks=3213604 reps=1 stack=832
        bench initiator_suite0_message2 ticks=10270480 reps=1 stack=3356
        bench initiator_suite0_message3 ticks=662237 reps=1 stack=3508
        bench value suite0_message1_bytes=37
        bench value suite0_message1_one_suite_bytes=37
        bench value suite0_message2_bytes=46
        bench value suite0_message3_bytes=19
        bench value suite0_messages_match=1
        bench initiator_suite2_message1 ticks=15137306 reps=1 stack=976
        bench initiator_suite2_message2 ticks=48610122 reps=1 stack=3356
        bench initiator_suite2_message3 ticks=676323 reps=1 stack=3508
        bench value suite2_message1_bytes=39
        bench value suite2_message1_one_suite_bytes=37
        bench value suite2_message2_bytes=45
        bench value suite2_message3_bytes=19
        bench value suite2_messages_match=1
        bench value initiator_state_max_bytes=284
        bench stack_peak=1028 static_ram=276
        bench done
        """

    static func report(_ text: String = sample, protocolFlashBytes: Int = 13_828) throws -> HandshakeBenchReport {
        try HandshakeBenchReport(output: try BenchmarkOutput(parsing: text), protocolFlashBytes: protocolFlashBytes)
    }

    static func object(_ report: HandshakeBenchReport) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(report.json.utf8))
        return try #require(parsed as? [String: Any], "not a JSON object: \(report.json)")
    }

    @Test func valueLinesAreRead() throws {
        let output = try BenchmarkOutput(parsing: Self.sample)
        #expect(output.values["suite2_message2_bytes"] == 45)
        #expect(output.values["initiator_state_max_bytes"] == 284)
        #expect(output.values.count == 11)
        #expect(output.measurements.count == 6)
        #expect(throws: BenchmarkOutput.Error.malformedLine("bench value size=big")) {
            try BenchmarkOutput(parsing: "bench board=b ns_per_tick=40/1\nbench value size=big\nbench done")
        }
        #expect(throws: BenchmarkOutput.Error.malformedLine("bench value a=1 b=2")) {
            try BenchmarkOutput(parsing: "bench board=b ns_per_tick=40/1\nbench value a=1 b=2\nbench done")
        }
    }

    @Test func issueKeysComeFirstWithTheirValues() throws {
        let report = try Self.report()
        #expect(report.fields.prefix(7).map(\.key) == [
            "board", "initiator_suite0_instructions", "initiator_suite2_instructions", "messages_bytes",
            "protocol_flash_bytes", "handshake_ram_bytes", "initiator_suite0_message1_instructions",
        ])
        let json = try Self.object(report)
        #expect(json["board"] as? String == "mps2-an386")
        // (3,213,604 + 10,270,480 + 662,237) ticks × 40 ns / 128 ns, rounded.
        #expect(json["initiator_suite0_instructions"] as? Int == 4_420_725)
        #expect(json["initiator_suite2_instructions"] as? Int == 20_132_422)
        #expect(json["initiator_suite2_message2_instructions"] as? Int == 15_190_663)
        // One-suite message_1 (37) + message_2 (45) + message_3 (19): lakers' 101.
        #expect(json["messages_bytes"] as? Int == 101)
        #expect(json["trace2_message1_bytes"] as? Int == 39)
        #expect(json["suite0_messages_bytes"] as? Int == 102)
        #expect(json["protocol_flash_bytes"] as? Int == 13_828)
        // The largest state (284) plus the deepest step (3,508).
        #expect(json["handshake_ram_bytes"] as? Int == 3_792)
        #expect(json["handshake_stack_peak_bytes"] as? Int == 3_508)
        #expect(json["command"] as? String == "make bench-handshake")
    }

    @Test func jsonIsOneFlatObjectWithUnitsLast() throws {
        let report = try Self.report()
        let json = try Self.object(report)
        #expect(json.count == report.fields.count)
        for (key, value) in json where key != "board" && key != "command" {
            #expect(value is NSNumber, "\(key) is not a number")
            #expect(key.hasSuffix("_instructions") || key.hasSuffix("_bytes") || key == "icount_shift",
                    "\(key) does not end in its unit")
        }
        #expect(!report.json.contains("\n"))
        #expect(report.table.split(separator: "\n").count == report.fields.count)
    }

    @Test func aHandshakeThatDidNotReproduceItsVectorsIsRejected() throws {
        let broken = Self.sample.replacingOccurrences(of: "suite2_messages_match=1", with: "suite2_messages_match=0")
        #expect(throws: HandshakeBenchReport.Error.messagesDiffer(suite: 2)) { try Self.report(broken) }
    }

    @Test func missingFiguresAreNamed() throws {
        let noState = Self.sample.replacingOccurrences(of: "bench value initiator_state_max_bytes=284\n", with: "")
        #expect(throws: HandshakeBenchReport.Error.missing("initiator_state_max_bytes")) { try Self.report(noState) }
        let noStep = Self.sample.replacingOccurrences(of: "bench initiator_suite0_message3 ticks=662237 reps=1 stack=3508\n",
                                                      with: "")
        #expect(throws: HandshakeBenchReport.Error.self) { try Self.report(noStep) }
    }

    @Test func symbolsAreAttributedToTheModuleThatDefinesThem() {
        #expect(ELFFile.swiftModule(ofSymbol: "$e15RampartProtocol14EDHOCInitiatorV15prepareMessage1") == "RampartProtocol")
        // A specialization keeps the mangling of what it specializes, even for another module's type.
        #expect(ELFFile.swiftModule(ofSymbol:
            "$e15RampartProtocol11computeMAC3_7prk4e3m13RampartCrypto08SoftwareB0V13rampart_bench11FixedRandomVG_Tg5")
            == "RampartProtocol")
        // Another module's code that mentions a protocol type is not protocol code.
        #expect(ELFFile.swiftModule(ofSymbol: "$e13rampart_bench14HandshakeSetupV15RampartProtocol10EDHOCErrorOYKcfC")
            == "rampart_bench")
        #expect(ELFFile.swiftModule(ofSymbol: ".Lswitch.table.$e15RampartProtocol11KeyScheduleO3kdf") == "RampartProtocol")
        #expect(ELFFile.swiftModule(ofSymbol: "$e13RampartCrypto6X25519O10scalarMult") == "RampartCrypto")
        #expect(ELFFile.swiftModule(ofSymbol: "$es11InlineArrayV9repeating") == nil)
        #expect(ELFFile.swiftModule(ofSymbol: "rampart_stack_paint") == nil)
    }

    /// The self-test image runs EDHOC on the board, so it links protocol code; the measure
    /// behind `protocol_flash_bytes` finds it and stays within the image.
    @Test("the self-test image's protocol code is measured", arguments: ["mps2-an386", "microbit"])
    func protocolCodeInSelfTestImage(board: String) throws {
        let elf = try FirmwareImageTests.image(board, "selftest.elf")
        let protocolBytes = elf.definedSymbolBytes(inModule: "RampartProtocol")
        let cryptoBytes = elf.definedSymbolBytes(inModule: "RampartCrypto")
        #expect(protocolBytes > 1_000, "no EDHOC code found in \(board)/selftest.elf")
        #expect(cryptoBytes > 1_000)
        #expect(protocolBytes + cryptoBytes < elf.flashBytes)
        #expect(protocolBytes <= elf.definedSymbolBytes(containing: "15RampartProtocol"))
    }
}

import FirmwareMetrics
import Foundation
import Testing

/// Checks on the built firmware images (`make selftest-images` builds them first).
@Suite struct FirmwareImageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let boards = ["mps2-an386", "mps2-an385", "microbit", "nrf52840dk"]
    /// RAM of each board (bytes), from boards/<board>/memory.ld.
    static let ramBytes = ["mps2-an386": 256 * 1024, "mps2-an385": 256 * 1024, "microbit": 16 * 1024,
                           "nrf52840dk": 256 * 1024]

    static func image(_ board: String, _ file: String) throws -> ELFFile {
        let path = root.appending(components: ".build", "firmware", board, file).path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("\(path) is missing: run `make selftest-images` (the README's test command does)")
            throw CancellationError()
        }
        return try ELFFile(path: path)
    }

    @Test("no floating-point helpers and no heap symbols in any image", arguments: boards)
    func noFloatNoHeap(board: String) throws {
        for file in ["rampart.elf"] + (board == "nrf52840dk" ? [] : ["selftest.elf", "echo.elf"]) {
            let elf = try Self.image(board, file)
            #expect(!elf.symbols.isEmpty, "\(board)/\(file) has no symbol table")
            let violations = ForbiddenSymbols.violations(in: elf)
            #expect(violations.isEmpty, "\(board)/\(file) links \(violations)")
        }
    }

    @Test("the image has a vector table at 0 and fits the board's RAM", arguments: boards)
    func layout(board: String) throws {
        let elf = try Self.image(board, "rampart.elf")
        let text = try #require(elf.sections.first { $0.name == ".text" })
        #expect(text.address == 0)
        #expect(elf.symbols.contains { $0.name == "rampart_vectors" && $0.value == 0 })
        #expect(elf.symbols.contains { $0.name == "Reset_Handler" && !$0.isUndefined })
        let ram = try #require(Self.ramBytes[board])
        #expect(elf.staticRAMBytes + elf.stackReservedBytes <= ram)
        #expect(elf.flashBytes > 0)
    }

    @Test("the forbidden-symbol rule recognises what it must")
    func forbiddenSymbolRule() {
        for name in ["__aeabi_fadd", "__aeabi_dmul", "__addsf3", "__muldf3", "__aeabi_i2f", "malloc",
                     "posix_memalign", "swift_allocObject", "free"] {
            #expect(ForbiddenSymbols.reason(for: name) != nil, "\(name) should be forbidden")
        }
        for name in ["__aeabi_lmul", "__aeabi_llsr", "__aeabi_memcpy", "memset", "rampart_fault",
                     "$e13RampartCrypto6X25519O10scalarMult"] {
            #expect(ForbiddenSymbols.reason(for: name) == nil, "\(name) should be allowed")
        }
    }
}

@Suite struct BenchmarkOutputTests {
    static let sample = """
        rampart boot noise
        bench board=mps2-an386 ns_per_tick=40/1
        bench empty ticks=70 reps=1 stack=0
        bench x25519 ticks=3840000 reps=1 stack=900
        bench sha256_block ticks=153600 reps=16 stack=192
        bench stack_peak=900 static_ram=276
        bench done
        """

    @Test func instructionsFromTicks() throws {
        let output = try BenchmarkOutput(parsing: Self.sample)
        #expect(output.board == "mps2-an386")
        // 3,840,000 ticks × 40 ns / 128 ns = 1,200,000 instructions.
        #expect(output.instructions("x25519") == 1_200_000)
        // 153,600 × 40 / 128 / 16 = 3,000.
        #expect(output.instructions("sha256_block") == 3_000)
        #expect(output.instructions("p256_ecdh") == nil)
        #expect(output.stackPeakBytes == 900)
        #expect(output.staticRAMBytes == 276)
    }

    @Test func nrfTickRate() throws {
        let output = try BenchmarkOutput(parsing: """
            bench board=microbit ns_per_tick=125/2
            bench x25519 ticks=2048 reps=1 stack=1
            bench done
            """)
        // 2,048 ticks × 62.5 ns / 128 ns = 1,000 instructions.
        #expect(output.instructions("x25519") == 1_000)
    }

    @Test func rejectsTruncatedAndMalformedOutput() {
        #expect(throws: BenchmarkOutput.Error.missingHeader) { try BenchmarkOutput(parsing: "bench done") }
        #expect(throws: BenchmarkOutput.Error.incomplete(lastLine: "bench x25519 ticks=5 reps=1 stack=0")) {
            try BenchmarkOutput(parsing: "bench board=b ns_per_tick=40/1\nbench x25519 ticks=5 reps=1 stack=0")
        }
        #expect(throws: BenchmarkOutput.Error.malformedLine("bench x25519 ticks=five reps=1 stack=0")) {
            try BenchmarkOutput(parsing: "bench board=b ns_per_tick=40/1\nbench x25519 ticks=five reps=1 stack=0\nbench done")
        }
    }
}

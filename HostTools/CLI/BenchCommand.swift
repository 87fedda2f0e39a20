import ArgumentParser
import FirmwareMetrics
import Foundation
import QEMURig

/// `rampart bench …`: benchmarks, separate from the tests. Each prints one flat JSON object
/// per run with `--json` (figures named with their unit last, plus where they ran).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and report what it measured.",
        subcommands: [FirmwareBench.self, HandshakeBench.self, GatewayBenchCommand.self, GatewayUDPBenchCommand.self,
                      LedgerBenchCommand.self])
}

/// `rampart bench firmware`: instruction counts of the crypto primitives on a board in QEMU.
struct FirmwareBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Instruction counts, stack and flash of the device crypto on a board in QEMU.",
        discussion: """
            Boots .build/firmware/<board>/bench.elf under `qemu-system-arm -icount \
            shift=7,align=off,sleep=off`, where every instruction takes 128 ns of virtual time, \
            so the board's timer counts instructions exactly and repeatably. Sizes come from \
            rampart.elf (flash, static RAM) and bench.elf (the crypto core's symbols).

            Then the device application (rampart.elf): the board is provisioned through its \
            pty with suite 0 and served by an in-process gateway until its first telemetry \
            reading is acknowledged (firmware_stack_peak_bytes: painted peak over provisioning, \
            EDHOC and telemetry; firmware_ram_bytes = static + that peak), then rebooted under \
            -icount shift=7,align=off,sleep=on and served again: boot_to_telemetry_instructions \
            counts the instructions from reset to the first acknowledged reading (the timer \
            ticks the core spent awake × ns per tick / 128).

            Build the images first: make firmware bench-image BOARD=<board>
            (`make bench-firmware` does both, for mps2-an386 and microbit.)
            """)

    @Option(help: "Board to run on: \(QEMUBoard.allCases.map(\.rawValue).joined(separator: ", ")).")
    var board: String = "mps2-an386"

    @Option(help: "The directory holding the board folders with bench.elf and rampart.elf.")
    var imageDirectory: String = ".build/firmware"

    @Option(help: "Seconds before the run is abandoned.")
    var timeout: Int = 600

    @Flag(help: "Print one flat JSON object instead of a table.")
    var json = false

    func run() async throws {
        let board: QEMUBoard
        do { board = try QEMUBoard(named: self.board) } catch { throw ValidationError("\(error)") }
        let folder = URL(fileURLWithPath: imageDirectory).appending(component: board.rawValue)
        let benchELF = folder.appending(component: "bench.elf")
        let appELF = folder.appending(component: "rampart.elf")
        for file in [benchELF, appELF] where !FileManager.default.fileExists(atPath: file.path) {
            throw CommandFailure("\(file.path) is missing; build it with: make firmware bench-image BOARD=\(board.rawValue)")
        }

        let result = try await QEMURig.run(QEMULaunchOptions(
            board: board, firmware: benchELF, timeLimit: .seconds(timeout), countsInstructions: true))
        guard result.exitStatus == 0 else {
            throw CommandFailure("""
                the benchmark image did not finish cleanly (\(result.termination)). Its output:
                \(result.outputText)
                """)
        }
        let output: BenchmarkOutput
        do { output = try BenchmarkOutput(parsing: result.outputText) } catch { throw CommandFailure("\(error)") }
        let app = try ELFFile(path: appELF.path)
        let bench = try ELFFile(path: benchELF.path)
        let device = try await DeviceApplicationFigures.measure(board: board, firmware: appELF, timeout: .seconds(timeout))
        let report = FirmwareBenchReport(output: output, application: app, benchmark: bench, device: device)
        print(json ? report.json : report.table)
    }
}

/// `rampart bench handshake`: the EDHOC Initiator's whole handshake on a board in QEMU.
struct HandshakeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Instructions, message sizes, flash and RAM of an EDHOC Initiator's handshake on a board in QEMU.",
        discussion: """
            Boots .build/firmware/<board>/bench.elf under `qemu-system-arm -icount \
            shift=7,align=off,sleep=off` (one instruction = 128 ns of virtual time, read back \
            from the board's timer). The image runs the Initiator's side of an EDHOC method-3 \
            handshake (RFC 9528) for cipher suites 0 and 2 with X injected: prepare message_1 \
            (G_X from X), process and verify message_2, prepare message_3. The Responder's \
            message_2 is a precomputed constant (RFC 9529 trace 2 for suite 2, \
            Tests/Vectors/edhoc-suite0-expected.json for suite 0), so only the Initiator's work \
            is counted; the run fails unless message_1 and message_3 equal the vectors'.

            Keys: initiator_suite0_instructions, initiator_suite2_instructions (the three \
            steps together; each step also as initiator_suite<S>_message<N>_instructions); \
            messages_bytes (message_1 + message_2 + message_3 of suite 2, message_1 offering \
            suite 2 alone; trace 2's own message_1 offers [6, 2] and is trace2_message1_bytes \
            long); protocol_flash_bytes (the RampartProtocol module's symbols in bench.elf: \
            what the Initiator links, crypto excluded); handshake_ram_bytes = \
            initiator_state_max_bytes (the largest Initiator state value, MemoryLayout size) + \
            handshake_stack_peak_bytes (the deepest step, by stack painting, above the frame \
            holding the states).

            Build the image first: make bench-image BOARD=<board>
            (`make bench-handshake` does it, for mps2-an386 and microbit.)
            """)

    @Option(help: "Board to run on: \(QEMUBoard.allCases.map(\.rawValue).joined(separator: ", ")).")
    var board: String = "mps2-an386"

    @Option(help: "The directory holding the board folders with bench.elf.")
    var imageDirectory: String = ".build/firmware"

    @Option(help: "Seconds before the run is abandoned.")
    var timeout: Int = 600

    @Flag(help: "Print one flat JSON object instead of a table.")
    var json = false

    func run() async throws {
        let board: QEMUBoard
        do { board = try QEMUBoard(named: self.board) } catch { throw ValidationError("\(error)") }
        let benchELF = URL(fileURLWithPath: imageDirectory).appending(components: board.rawValue, "bench.elf")
        guard FileManager.default.fileExists(atPath: benchELF.path) else {
            throw CommandFailure("\(benchELF.path) is missing; build it with: make bench-image BOARD=\(board.rawValue)")
        }
        let result = try await QEMURig.run(QEMULaunchOptions(
            board: board, firmware: benchELF, timeLimit: .seconds(timeout), countsInstructions: true))
        guard result.exitStatus == 0 else {
            throw CommandFailure("""
                the benchmark image did not finish cleanly (\(result.termination)). Its output:
                \(result.outputText)
                """)
        }
        let report: HandshakeBenchReport
        do {
            let output = try BenchmarkOutput(parsing: result.outputText)
            let elf = try ELFFile(path: benchELF.path)
            report = try HandshakeBenchReport(output: output,
                                              protocolFlashBytes: elf.definedSymbolBytes(inModule: "RampartProtocol"))
        } catch {
            throw CommandFailure("\(error)")
        }
        print(json ? report.json : report.table)
    }
}

/// The figures of one board, in the order and with the keys issue 2 names.
struct FirmwareBenchReport {
    var fields: [(key: String, value: String)] = []

    init(output: BenchmarkOutput, application: ELFFile, benchmark: ELFFile, device: DeviceApplicationFigures) {
        func add(_ key: String, _ value: UInt64?) {
            if let value { fields.append((key, "\(value)")) }
        }
        fields.append(("board", "\"\(output.board)\""))
        add("x25519_instructions", output.instructions("x25519"))
        add("p256_keygen_instructions", output.instructions("p256_keygen"))
        add("p256_ecdh_instructions", output.instructions("p256_ecdh"))
        add("p256_ecdh_x_only_instructions", output.instructions("p256_ecdh_x_only"))
        add("sha256_block_instructions", output.instructions("sha256_block"))
        add("aes128_block_instructions", output.instructions("aes128_block"))
        add("ccm64_instructions", output.instructions("ccm64"))
        add("stack_peak_bytes", output.stackPeakBytes)
        add("crypto_flash_bytes", UInt64(benchmark.definedSymbolBytes(inModule: "RampartCrypto")))
        add("flash_bytes", UInt64(application.flashBytes))
        add("static_ram_bytes", UInt64(application.staticRAMBytes))
        add("ram_bytes", UInt64(application.staticRAMBytes) + output.stackPeakBytes)
        // The device application (rampart.elf) itself, provisioned and served by the gateway.
        add("firmware_flash_bytes", UInt64(application.flashBytes))
        add("firmware_static_ram_bytes", device.staticRAMBytes)
        add("firmware_stack_peak_bytes", device.stackPeakBytes)
        add("firmware_ram_bytes", device.staticRAMBytes + device.stackPeakBytes)
        add("boot_to_telemetry_instructions", device.bootToTelemetryInstructions)
        fields.append(("boot_to_telemetry_suite", "\(DeviceApplicationFigures.suite)"))
        fields.append(("icount_shift", "7"))
        fields.append(("command", "\"make bench-firmware\""))
    }

    var json: String {
        "{" + fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    var table: String {
        let width = fields.map(\.key.count).max() ?? 0
        return fields.map { $0.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }
            .joined(separator: "\n")
    }
}

/// A failure while running a command (as opposed to bad arguments): printed as
/// `Error: <message>` without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import ArgumentParser
import Foundation
import NIOCore
import RampartGateway
import RampartLedger
import RampartRegistry
import RampartSimulator
import RampartAttackLab
import RampartDetection

/// `rampart sim`: simulated devices — the firmware's device state machine on the host —
/// against a gateway over CoAP/UDP.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run simulated devices against a gateway over CoAP/UDP and summarise what they saw.",
        discussion: """
            Each simulated device runs the same state machine as the boards (Firmware/Device): \
            EDHOC over CoAP, OSCORE-protected telemetry (POST /t) at --rate readings per second, \
            scheduled re-keys, a new handshake when the gateway forces one, and jittered back-off \
            while quarantined. Device i's key, kid and credential derive from --seed and i, so \
            the gateway can know the fleet in advance: --register-into adds it to a gateway's \
            registry (the data directory's registry.sqlite) before the run, and a second run \
            with the same seed finds it there.

            The devices need the gateway's credential for the suite they use (CRED_R), from \
            `rampart gateway credential --suite N`; with --register-into it is read from that \
            data directory when --gateway-credential is not given.

            Progress goes to stderr every 5 s on runs of 10 s or more; the summary to stdout \
            (one flat JSON object with --json). The exit status is 1 when no handshake \
            succeeded.

            Examples:
              rampart sim --register-into rampart-data --devices 50 --rate 1 --duration 30 --suite 0
              rampart sim --gateway 10.0.0.5:5683 --gateway-credential "$(rampart gateway credential --suite 2)" \\
                  --devices 1000 --rate 0.2 --duration 120 --suite 2 --seed 7 --json
            """)

    @Option(help: ArgumentHelp("The gateway's CoAP/UDP address.", valueName: "HOST:PORT"))
    var gateway: String = "127.0.0.1:5683"

    @Option(name: .customLong("gateway-credential"),
            help: ArgumentHelp("The gateway's credential (CRED_R) for --suite, in hex.", valueName: "HEX"))
    var gatewayCredential: String?

    @Option(name: .customLong("devices"), help: ArgumentHelp("How many devices to simulate (default 10; 40 with --scenario).", valueName: "N"))
    var devicesOption: Int?

    @Option(help: ArgumentHelp("Telemetry readings per second per device (e.g. 0.1 for one every 10 s).", valueName: "R"))
    var rate: Double = 1

    @Option(name: .customLong("duration"), help: ArgumentHelp("How long to run (default 10 s; 900 virtual seconds with --scenario).", valueName: "SECONDS"))
    var durationOption: Double?

    @Option(help: ArgumentHelp("""
        Run an attack-lab scenario instead, in virtual time in this process (the gateway's engine and         detector, the fleet, the attackers): \(Scenario.all.map(\.name).joined(separator: ", ")).
        """, valueName: "NAME"))
    var scenario: String?

    @Option(help: ArgumentHelp("With --scenario: the detector's model file (`rampart detect train`).", valueName: "FILE"))
    var model: String?

    @Option(help: ArgumentHelp("With --scenario: write the risk-over-time plot (SVG) here.", valueName: "FILE"))
    var plot: String?

    @Option(name: .customLong("attack-start"), help: ArgumentHelp("With --scenario: when the attack begins.", valueName: "SECONDS"))
    var attackStart: Double = 300

    @Option(name: .customLong("attack-duration"), help: ArgumentHelp("With --scenario: how long it lasts.", valueName: "SECONDS"))
    var attackDuration: Double = 300

    @Option(name: .customLong("record-events"),
            help: ArgumentHelp("With --scenario: write every gateway event as a JSON line here (for `rampart detect train --events`).",
                               valueName: "FILE"))
    var recordEvents: String?

    @Flag(name: .customLong("no-detector"), help: "With --scenario: run the gateway without its detector (for comparison).")
    var noDetector = false

    var devices: Int { devicesOption ?? (scenario == nil ? 10 : 40) }
    var duration: Double { durationOption ?? (scenario == nil ? 10 : 900) }

    @Option(help: ArgumentHelp("The devices' cipher suite: 0 (X25519) or 2 (P-256).", valueName: "0|2"))
    var suite: Int32 = 2

    @Option(help: ArgumentHelp("Derives the devices' keys and kids; the same seed gives the same fleet.", valueName: "S"))
    var seed: UInt64 = 1

    @Option(name: .customLong("register-into"),
            help: ArgumentHelp("Register the fleet in this gateway data directory's registry first.", valueName: "DATA_DIR"))
    var registerInto: String?

    @Option(name: .customLong("rekey-interval"),
            help: ArgumentHelp("Seconds of a session before a device re-keys (a full EDHOC run).", valueName: "SECONDS"))
    var rekeyInterval: Int = DevicePolicy.default.rekeyIntervalSeconds

    @Option(name: .customLong("ramp-up"),
            help: ArgumentHelp("Spread the devices' starts over this many seconds.", valueName: "SECONDS"))
    var rampUp: Double = 1

    @Option(name: .customLong("ack-timeout-ms"),
            help: ArgumentHelp("CoAP ACK_TIMEOUT of the devices (RFC 7252: 2000).", valueName: "MS"))
    var ackTimeout: UInt32 = 500

    @Option(name: .customLong("max-sockets"),
            help: ArgumentHelp("UDP sockets at most; beyond, devices share sockets.", valueName: "N"))
    var maxSockets: Int = 4096

    @Flag(help: "Print the summary as one flat JSON object.")
    var json = false

    func validate() throws {
        if let scenario {
            guard Scenario.named(scenario) != nil else {
                throw ValidationError("unknown scenario \(scenario); one of: \(Scenario.all.map(\.name).joined(separator: ", "))")
            }
            return
        }
        guard suite == 0 || suite == 2 else { throw ValidationError("--suite must be 0 (X25519) or 2 (P-256)") }
        guard devices >= 1 else { throw ValidationError("--devices must be at least 1") }
        guard rate > 0, rate <= 1000 else { throw ValidationError("--rate must be above 0 and at most 1000, e.g. --rate 0.5") }
        guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be a positive number of seconds") }
        guard rekeyInterval > 0 else { throw ValidationError("--rekey-interval must be a positive number of seconds") }
        guard ackTimeout >= 1 else { throw ValidationError("--ack-timeout-ms must be at least 1") }
        guard gatewayCredential != nil || registerInto != nil else {
            throw ValidationError("""
                the devices need the gateway's credential: pass --gateway-credential HEX \
                (from `rampart gateway credential --suite \(suite)`), or --register-into DATA_DIR to read it there
                """)
        }
    }

    func run() async throws {
        if let scenario, let chosen = Scenario.named(scenario) {
            try runScenario(chosen)
            return
        }
        let credential = try resolveCredential()
        var options: SimulatorOptions
        do throws(SimulatorError) {
            options = SimulatorOptions(
                gateway: try SimulatorOptions.gatewayAddress(gateway), gatewayCredential: credential,
                deviceCount: devices, readingsPerSecond: rate, durationSeconds: duration, suite: suite, seed: seed,
                rampUpSeconds: rampUp, maxSockets: maxSockets, rekeyIntervalSeconds: rekeyInterval)
            options.device.transmission.ackTimeoutMilliseconds = ackTimeout
            try options.validate()
        } catch {
            throw CommandFailure(error.description)
        }
        if let registerInto { try register(into: registerInto) }

        var progress: (@Sendable (SimulationProgress) -> Void)? = nil
        if duration >= 10 {
            progress = { report in FileHandle.standardError.write(Data((report.line + "\n").utf8)) }
        }
        let summary: SimulationSummary
        do {
            summary = try await Simulator.run(options, progressIntervalSeconds: 5, progress: progress)
        } catch {
            throw CommandFailure("\(error)")
        }
        print(json ? summary.json : summary.text)
        if summary.handshakesSucceeded == 0 {
            throw CommandFailure("""
                no handshake succeeded: check that a gateway listens at \(gateway), that --gateway-credential is \
                its suite-\(suite) credential, and that the fleet is registered (--register-into DATA_DIR)
                """)
        }
    }

    /// The hex given, or the data directory's credential for the suite.
    func resolveCredential() throws -> [UInt8] {
        if let gatewayCredential {
            let hex = gatewayCredential.filter { !$0.isWhitespace }
            guard let bytes = [UInt8](hexString: hex), !bytes.isEmpty else {
                throw CommandFailure("--gateway-credential must be hex (e.g. from `rampart gateway credential --suite \(suite)`)")
            }
            return bytes
        }
        guard let registerInto else { throw CommandFailure("--gateway-credential is missing") }
        do {
            return try GatewayKeyStore.credential(suite: suite, dataDirectory: registerInto)
        } catch {
            throw CommandFailure("""
                cannot read the gateway's suite-\(suite) credential in \(registerInto): \(error) \
                (start the gateway once, or run `rampart gateway credential --data-dir \(registerInto)`)
                """)
        }
    }

    /// Adds the fleet to the data directory's SQLite registry.
    func register(into directory: String) throws {
        do {
            let registry = try SQLiteDeviceRegistry(dataDirectory: directory)
            let result = try SimulatedFleet.register(count: devices, seed: seed, suite: suite, into: registry)
            let time = LedgerClock.nowMilliseconds()
            let entries = result.addedRecords.map { record in
                RegistrationSummary(record: record, registrationData: RegistrationSummary.registrationData(record,
                                        extra: [("seed", .unsigned(seed))]),
                                    tool: "rampart sim", reason: "simulated device").pendingEntry(time: time)
            }
            if !entries.isEmpty { try EmbeddedLedger.recordNow(entries, dataDirectory: directory) }
            FileHandle.standardError.write(Data("""
                sim: registered \(result.added) devices in \(registry.path)\
                \(result.alreadyPresent > 0 ? " (\(result.alreadyPresent) were already there)" : "")\n
                """.utf8))
        } catch {
            throw CommandFailure("cannot register the simulated devices in \(directory): \(error)")
        }
    }
}

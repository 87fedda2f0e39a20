import ArgumentParser
import Foundation
import RampartDevice
import RampartGateway
import RampartGatewayServer
import RampartProvisioning

/// `rampart provision`: gives boards their identity and registers them with the gateway
/// (docs/provisioning.md).
struct ProvisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Provision boards over their serial port and register them with the gateway.",
        discussion: """
            The board generates its own key pair (the private key never leaves it); this command \
            gives it a random seed to mix into the key generation, its kid, the gateway's \
            credential for the suite and its policy, checks the credential the board reports \
            back, and enters it into the registry in the gateway's data directory \
            (registry.sqlite, as `rampart devices` shows it). The gateway finds the device on its \
            first handshake; no restart is needed. The gateway's keys are created if the gateway \
            never ran.

            Which boards (exactly one way):
              --port PATH   the board on this serial port;
              --watch       every matching board plugged in from now on, until Ctrl-C;
              (neither)     every matching board plugged in now.
            Matching, for --watch and discovery: --usb VID[:PID] and --property KEY=VALUE (any \
            one matches). Without them: the nRF52840-DK's J-Link (1366:*), the micro:bit's \
            DAPLink (0d28:0204) and any port deploy/99-rampart.rules marked RAMPART_BOARD=1.

            A board that is provisioned already is not changed: if the registry lacks its kid, \
            its credential is registered ("adopted"). --factory-reset erases its identity first \
            and gives it a new one (its old registration is removed). If the board does not \
            confirm, nothing is registered and it keeps its previous state: run again.

            Examples:
              rampart provision --port /dev/ttyACM0 --group greenhouse --label "bench 3"
              rampart provision --port /dev/pts/5 --suite 2 --kid a1b2c3d4 --json
              rampart provision --usb 0d28:0204 --telemetry-interval 0.5
              rampart provision --watch --property RAMPART_BOARD=1 --data-dir /var/lib/rampart
              rampart provision --port /dev/rampart/microbit-9904… --factory-reset

            Exit status: 0 when every board was provisioned, adopted or found registered; \
            1 otherwise (each failure says what happened to the board and what to do).
            """)

    // MARK: Which boards

    @Option(help: ArgumentHelp("The board's serial port (e.g. /dev/ttyACM0, /dev/rampart/…, a QEMU /dev/pts/N).",
                               valueName: "PATH"))
    var port: String?

    @Flag(help: "Provision each matching board as it is plugged in, until SIGINT or SIGTERM.")
    var watch = false

    @Option(help: ArgumentHelp("Match USB ports by vendor and product id, as lsusb prints them; repeatable.",
                               valueName: "VID[:PID]"))
    var usb: [String] = []

    @Option(help: ArgumentHelp("Match ports whose udev property KEY has VALUE; repeatable.", valueName: "KEY=VALUE"))
    var property: [String] = []

    @Option(help: ArgumentHelp("The port's baud rate.", valueName: "BAUD"))
    var baud: Int = 115_200

    @Option(help: ArgumentHelp("How long to wait for a booting board's first answer.", valueName: "SECONDS"))
    var wait: Double = ProvisioningTiming().statusSeconds

    // MARK: What the board gets

    @Option(help: ArgumentHelp("The static key's EDHOC cipher suite: 0 (X25519) or 2 (P-256).", valueName: "0|2"))
    var suite: Int32 = 0

    @Option(help: ArgumentHelp("The kid to assign, 1–8 bytes in hex (default: 4 random bytes no device has).",
                               valueName: "HEX"))
    var kid: String?

    @Option(name: .customLong("telemetry-interval"),
            help: ArgumentHelp("Seconds between telemetry readings (decimals allowed: 0.5).", valueName: "SECONDS"))
    var telemetryInterval: Double = 10

    @Option(name: .customLong("rekey-interval"),
            help: ArgumentHelp("Seconds of a session before a scheduled full re-key.", valueName: "SECONDS"))
    var rekeyInterval: UInt32 = 3600

    @Option(name: .customLong("ack-timeout"),
            help: ArgumentHelp("CoAP ACK_TIMEOUT of the board's confirmable messages.", valueName: "MS"))
    var ackTimeout: UInt32 = 2000

    @Option(name: .customLong("quarantine-backoff"),
            help: ArgumentHelp("Back-off of a quarantined board's retries: first wait and longest wait.",
                               valueName: "BASE_MS,CAP_MS"))
    var quarantineBackoff: String = "5000,600000"

    @Option(help: ArgumentHelp("The device's behaviour group in the registry.", valueName: "NAME"))
    var group: String = DevicePolicy.default.group

    @Option(help: ArgumentHelp("A label for people (serial number, place); never used for security.", valueName: "TEXT"))
    var label: String = ""

    @Flag(name: .customLong("factory-reset"),
          help: "Re-provision a provisioned board: erase its identity first (its old registration is removed).")
    var factoryReset = false

    // MARK: Gateway and output

    @Option(help: ArgumentHelp("The gateway's JSON configuration: its data directory and sealing key file.",
                               valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The gateway's data directory (default: the configuration's, or rampart-data).",
                               valueName: "DIR"))
    var dataDirectory: String?

    @Flag(help: "Print one JSON object per board (one line each when several).")
    var json = false

    // MARK: Validation

    func validate() throws {
        if port != nil && watch {
            throw ValidationError("give either --port PATH or --watch, not both")
        }
        if port != nil && !(usb.isEmpty && property.isEmpty) {
            throw ValidationError("--usb and --property choose boards for --watch and discovery; with --port they have no effect")
        }
        _ = try selection()
        _ = try request()
        if kid != nil && watch {
            throw ValidationError("--kid gives one board its kid; --watch provisions many (leave --kid out for random kids)")
        }
        guard SerialPort.supportedBaudRates.contains(baud) else {
            throw ValidationError("--baud \(baud): use one of \(SerialPort.supportedBaudRates.map(String.init).joined(separator: ", "))")
        }
        guard wait > 0 else { throw ValidationError("--wait must be a positive number of seconds") }
    }

    func selection() throws -> SerialDeviceSelection {
        guard !(usb.isEmpty && property.isEmpty) else { return .default }
        var filters: [SerialDeviceFilter] = []
        for text in usb {
            guard let filter = SerialDeviceFilter(usb: text) else {
                throw ValidationError("--usb \(text): expected VID:PID or VID in hex, as lsusb prints them (e.g. 0d28:0204, 1366)")
            }
            filters.append(filter)
        }
        for text in property {
            guard let filter = SerialDeviceFilter(property: text) else {
                throw ValidationError("--property \(text): expected KEY=VALUE (e.g. RAMPART_BOARD=1)")
            }
            filters.append(filter)
        }
        return SerialDeviceSelection(filters: filters)
    }

    func request() throws -> ProvisioningRequest {
        var keyID: [UInt8]? = nil
        if let kid {
            guard let bytes = [UInt8](hexString: kid), (1...8).contains(bytes.count) else {
                throw ValidationError("--kid \(kid): expected 1 to 8 bytes in hex (e.g. a1b2c3d4)")
            }
            keyID = bytes
        }
        let telemetryMilliseconds = (telemetryInterval * 1000).rounded()
        guard telemetryInterval.isFinite, telemetryMilliseconds >= 1, telemetryMilliseconds <= Double(UInt32.max) else {
            throw ValidationError("--telemetry-interval \(telemetryInterval): expected seconds from 0.001 up (e.g. 10 or 0.5)")
        }
        let backOff = quarantineBackoff.split(separator: ",").map { UInt32($0.trimmingCharacters(in: .whitespaces)) }
        guard backOff.count == 2, let base = backOff[0], let cap = backOff[1], base > 0, cap >= base else {
            throw ValidationError("--quarantine-backoff \(quarantineBackoff): expected BASE_MS,CAP_MS with 0 < BASE ≤ CAP (e.g. 5000,600000)")
        }
        let policy = ProvisioningPolicy(telemetryIntervalMilliseconds: UInt32(telemetryMilliseconds),
                                        rekeyIntervalSeconds: rekeyInterval, ackTimeoutMilliseconds: ackTimeout,
                                        quarantineBackOffBaseMilliseconds: base, quarantineBackOffCapMilliseconds: cap)
        let request = ProvisioningRequest(suite: suite, keyID: keyID, policy: policy, group: group, label: label,
                                          factoryReset: factoryReset, timing: ProvisioningTiming(statusSeconds: wait))
        do { try request.validate() } catch { throw ValidationError(error.description) }
        return request
    }

    // MARK: Running

    func run() throws {
        let request = try request()
        var configuration = GatewayConfiguration()
        if let config {
            do { configuration = try ConfigurationFile.load(path: config) } catch { throw CommandFailure("\(error)") }
        }
        let gateway: GatewayContext
        do {
            gateway = try GatewayContext(dataDirectory: dataDirectory ?? configuration.dataDirectory,
                                         sealingKeyFile: configuration.keySealingKeyFile, suite: request.suite)
        } catch {
            throw CommandFailure(error.description)
        }
        if let port {
            guard provision(port: port, gateway: gateway, request: request, compactJSON: false) else {
                throw ExitCode.failure
            }
        } else if watch {
            try runWatch(gateway: gateway, request: request)
        } else {
            try runDiscovery(gateway: gateway, request: request)
        }
    }

    /// Every matching board plugged in now.
    func runDiscovery(gateway: GatewayContext, request: ProvisioningRequest) throws {
        let selection = try selection()
        let scan: SerialDeviceDiscovery.Scan
        do { scan = try SerialDeviceDiscovery.scan(selection: selection) } catch { throw CommandFailure(error.description) }
        guard !scan.matching.isEmpty else {
            throw CommandFailure(Self.nothingFound(scan: scan, selection: selection))
        }
        if request.keyID != nil && scan.matching.count > 1 {
            throw CommandFailure("--kid gives one board its kid, but \(scan.matching.count) boards match: "
                                 + scan.matching.map(\.devnode).joined(separator: ", ") + "; choose one with --port")
        }
        var failures = 0
        for device in scan.matching {
            if !json { note("provisioning \(device.summary)") }
            if !provision(port: device.devnode, gateway: gateway, request: request, compactJSON: scan.matching.count > 1) {
                failures += 1
            }
        }
        if failures > 0 {
            if !json && scan.matching.count > 1 { note("\(failures) of \(scan.matching.count) boards failed") }
            throw ExitCode.failure
        }
    }

    /// Boards as they appear, until SIGINT/SIGTERM.
    func runWatch(gateway: GatewayContext, request: ProvisioningRequest) throws {
        let selection = try selection()
        if !BoardWatcher.udevDaemonIsRunning {
            note("warning: udevd does not seem to run here (no /run/udev/control), so no board will be reported; "
                 + "in a container, pass the board in and use --port PATH")
        }
        note("watching for boards (\(selection)); plug one in, Ctrl-C to stop")
        do {
            try BoardWatcher.run(selection: selection) { device in
                if !json { note("provisioning \(device.summary)") }
                _ = provision(port: device.devnode, gateway: gateway, request: request, compactJSON: true)
            }
        } catch {
            throw CommandFailure(error.description)
        }
        note("stopped")
    }

    /// One board; prints its result or its failure. Returns whether it succeeded.
    func provision(port: String, gateway: GatewayContext, request: ProvisioningRequest, compactJSON: Bool) -> Bool {
        do throws(ProvisioningError) {
            let link = try SerialFrameLink(path: port, baudRate: baud)
            let result = try ProvisioningSession(link: link, gateway: gateway, request: request).run()
            print(json ? result.jsonText(compact: compactJSON) : result.summary)
            return true
        } catch {
            if json {
                print(ProvisioningFailure(port: port, error: error).jsonText(compact: compactJSON))
            } else {
                note("error: \(port): \(error)")
            }
            return false
        }
    }

    /// What a scan that matched nothing saw, and how to match it.
    static func nothingFound(scan: SerialDeviceDiscovery.Scan, selection: SerialDeviceSelection) -> String {
        var lines = ["no board found that matches \(selection)."]
        let seen = scan.seenOnBuses
        if seen.isEmpty {
            lines.append("No serial ports on a bus were seen (\(scan.all.count) virtual ttys skipped). Is the board "
                         + "plugged in, and does `ls /dev/ttyACM* /dev/ttyUSB*` show it? In a container, pass the "
                         + "device in (docker run --device /dev/ttyACM0) and name it with --port.")
        } else {
            lines.append("Serial ports seen:")
            lines += seen.map { "  \($0.summary)" }
            lines.append("Match one with --usb VID:PID (the ids above), --property KEY=VALUE, or name it with --port PATH.")
        }
        return lines.joined(separator: "\n")
    }

    /// Progress and errors go to standard error, results to standard output.
    func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

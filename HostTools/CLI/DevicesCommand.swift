import ArgumentParser
import Foundation
import RampartGateway
import RampartLedger
import RampartRegistry

/// `rampart devices …`: the device registry in the data directory (until provisioning
/// registers devices itself).
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Register devices with the gateway and inspect the registry.",
        discussion: """
            The registry is the SQLite file registry.sqlite in the gateway's data directory \
            (default: rampart-data). It can be changed while the gateway runs: a device added \
            here is found on its first handshake. Run these commands as the user the gateway \
            runs as, so that the files stay readable by it.

              rampart devices add --credential-file device-42.ccs --group greenhouse
              rampart devices list
              rampart devices show 2b --json
            """,
        subcommands: [DevicesAdd.self, DevicesList.self, DevicesShow.self])
}

/// The data directory option shared by the `devices` commands.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The gateway's data directory (created if missing).", valueName: "DIR"))
    var path: String = GatewayConfiguration().dataDirectory

    func openRegistry() throws -> SQLiteDeviceRegistry {
        do {
            return try SQLiteDeviceRegistry(dataDirectory: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}

/// `rampart devices add`.
struct DevicesAdd: ParsableCommand {
    /// Largest credential file read (a CCS is at most 128 bytes; hex and spacing double it).
    static let maxCredentialFileByteCount = 4096

    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a device by its credential (a CCS with a COSE_Key and a kid).",
        discussion: """
            The device's kid and cipher suite come from its credential (CRED_I, a CWT Claims \
            Set per RFC 8392 holding an X25519 key for suite 0 or a P-256 key for suite 2). \
            The credential is given in hex with --credential, or as a file with \
            --credential-file (raw CBOR, or hex text). A kid that is already registered is \
            refused.

            Examples:
              rampart devices add --credential "$(cat device-42.ccs.hex)"
              rampart devices add --credential-file device.ccs --group cellar \\
                  --rekey-interval 900 --label "pump 2"
            """)

    @Option(help: ArgumentHelp("The device's credential (CCS), in hex.", valueName: "HEX"))
    var credential: String?

    @Option(name: .customLong("credential-file"),
            help: ArgumentHelp("A file holding the device's credential, raw CBOR or hex.", valueName: "FILE"))
    var credentialFile: String?

    @Option(help: ArgumentHelp("The device's behaviour group (baselines and policy per group).", valueName: "NAME"))
    var group: String = DevicePolicy.default.group

    @Option(help: ArgumentHelp("A label for people (serial number, place); never used for security.", valueName: "TEXT"))
    var label: String = ""

    @Option(name: .customLong("rekey-interval"),
            help: ArgumentHelp("Seconds of a session before a scheduled full re-key.", valueName: "SECONDS"))
    var rekeyInterval: Int = DevicePolicy.default.rekeyIntervalSeconds

    @Option(name: .customLong("telemetry-interval"),
            help: ArgumentHelp("Seconds between the device's telemetry readings.", valueName: "SECONDS"))
    var telemetryInterval: Int = DevicePolicy.default.telemetryIntervalSeconds

    @OptionGroup var dataDirectory: DataDirectoryOption

    func validate() throws {
        guard (credential == nil) != (credentialFile == nil) else {
            throw ValidationError("give the device's credential with either --credential HEX or --credential-file FILE")
        }
        guard rekeyInterval > 0 else { throw ValidationError("--rekey-interval must be a positive number of seconds") }
        guard telemetryInterval > 0 else { throw ValidationError("--telemetry-interval must be a positive number of seconds") }
    }

    func run() throws {
        let ccs = try readCredential()
        let policy = DevicePolicy(group: group, rekeyIntervalSeconds: rekeyInterval, telemetryIntervalSeconds: telemetryInterval)
        let registry = try dataDirectory.openRegistry()
        let record: DeviceRecord
        do {
            record = try DeviceRecord(credential: ccs, policy: policy, label: label)
            try registry.add(record)
        } catch {
            throw CommandFailure("\(error)")
        }
        let summary = RegistrationSummary(record: record, registrationData: RegistrationSummary.registrationData(record),
                                          tool: "rampart devices add", reason: "registered by an operator")
        do {
            try EmbeddedLedger.recordNow([summary.pendingEntry(time: LedgerClock.nowMilliseconds())],
                                         dataDirectory: dataDirectory.path)
        } catch {
            throw CommandFailure("registered kid \(record.kid.hexString), but the ledger could not record it (\(error)); "
                                 + "the registration stands: check the data directory and run `rampart ledger verify`")
        }
        print("registered kid \(record.kid.hexString): suite \(record.suites.map(String.init).joined(separator: ",")), "
              + "group \(policy.group), re-key every \(policy.rekeyIntervalSeconds) s, "
              + "telemetry every \(policy.telemetryIntervalSeconds) s, status \(record.status.rawValue)"
              + (label.isEmpty ? "" : ", label \"\(label)\"") + " (in \(registry.path))")
    }

    private func readCredential() throws -> [UInt8] {
        if let credential {
            guard let bytes = [UInt8](hexString: credential.filter { !$0.isWhitespace }), !bytes.isEmpty else {
                throw ValidationError("--credential must be the CCS in hex (an even number of hex digits)")
            }
            return bytes
        }
        let path = credentialFile ?? ""
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        guard contents.count <= Self.maxCredentialFileByteCount else {
            throw CommandFailure("\(path) holds \(contents.count) bytes; a credential is a CCS of at most 128 bytes")
        }
        // A CCS starts with a CBOR map head (0xA0–0xBF), never an ASCII hex digit, so the
        // two forms cannot be confused.
        let text = String(decoding: contents, as: UTF8.self).filter { !$0.isWhitespace }
        if let hex = [UInt8](hexString: text), !hex.isEmpty { return hex }
        return [UInt8](contents)
    }
}

/// `rampart devices list`.
struct DevicesList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registered devices.",
        discussion: """
            One line per device, oldest registration first: kid, suites, status, group, label. \
            With --json, an array of objects as `rampart devices show --json` prints them \
            (without the history).

            Examples:
              rampart devices list
              rampart devices list --json --data-dir /var/lib/rampart
            """)

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    @OptionGroup var dataDirectory: DataDirectoryOption

    func run() throws {
        let registry = try dataDirectory.openRegistry()
        let registrations: [DeviceRegistration]
        do { registrations = try registry.registrations() } catch { throw CommandFailure("\(error)") }
        if json {
            print(try DeviceJSON.jsonText(registrations.map { DeviceJSON($0, history: nil) }))
            return
        }
        guard !registrations.isEmpty else {
            print("no devices registered in \(registry.path) (add one: rampart devices add --credential-file FILE)")
            return
        }
        let rows = [["KID", "SUITES", "STATUS", "GROUP", "LABEL"]] + registrations.map { registration in
            let record = registration.record
            return [record.kid.hexString, record.suites.map(String.init).joined(separator: ","), record.status.rawValue,
                    record.policy.group, record.label]
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

/// `rampart devices show KID`.
struct DevicesShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one device: credential, policy, status and its status history.",
        discussion: """
            KID is the device's kid in hex, as `rampart devices list` prints it.

            Examples:
              rampart devices show 2b
              rampart devices show a1b2 --json
            """)

    @Argument(help: ArgumentHelp("The device's kid, in hex.", valueName: "KID"))
    var kid: String

    @Flag(help: "Print a JSON object.")
    var json = false

    @OptionGroup var dataDirectory: DataDirectoryOption

    func validate() throws {
        guard let bytes = [UInt8](hexString: kid), !bytes.isEmpty else {
            throw ValidationError("KID must be hex digits, an even number of them (e.g. 2b or a1b2)")
        }
    }

    func run() throws {
        let kidBytes = [UInt8](hexString: kid) ?? []
        let registry = try dataDirectory.openRegistry()
        let registration: DeviceRegistration
        let history: [DeviceStatusChange]
        do {
            guard let found = try registry.registration(kid: kidBytes) else {
                throw DeviceDirectoryError.unknownDevice(kid: kidBytes)
            }
            registration = found
            history = try registry.statusHistory(kid: kidBytes)
        } catch {
            throw CommandFailure("\(error)")
        }
        if json {
            print(try DeviceJSON.jsonText(DeviceJSON(registration, history: history)))
            return
        }
        let record = registration.record
        print("""
            kid                 \(record.kid.hexString)
            suites              \(record.suites.map(String.init).joined(separator: ", "))
            status              \(record.status.rawValue)
            group               \(record.policy.group)
            re-key interval     \(record.policy.rekeyIntervalSeconds) s
            telemetry interval  \(record.policy.telemetryIntervalSeconds) s
            label               \(record.label)
            registered          \(DeviceJSON.timestamp(registration.registeredAt))
            updated             \(DeviceJSON.timestamp(registration.updatedAt))
            credential          \(record.credential.hexString)
            history
            """)
        for change in history {
            let from = change.from.map { "\($0.rawValue) → " } ?? ""
            print("  \(DeviceJSON.timestamp(change.at))  \(from)\(change.to.rawValue)  \(change.reason)")
        }
    }
}

/// A device as `--json` prints it (snake_case keys, hex byte strings, ISO 8601 UTC times).
struct DeviceJSON: Encodable {
    struct Change: Encodable {
        let from: String?
        let to: String
        let reason: String
        let at: String
    }

    let kid: String
    let credential: String
    let suites: [Int32]
    let status: String
    let group: String
    let rekeyIntervalSeconds: Int
    let telemetryIntervalSeconds: Int
    let label: String
    let registeredAt: String
    let updatedAt: String
    let history: [Change]?

    init(_ registration: DeviceRegistration, history: [DeviceStatusChange]?) {
        let record = registration.record
        kid = record.kid.hexString
        credential = record.credential.hexString
        suites = record.suites
        status = record.status.rawValue
        group = record.policy.group
        rekeyIntervalSeconds = record.policy.rekeyIntervalSeconds
        telemetryIntervalSeconds = record.policy.telemetryIntervalSeconds
        label = record.label
        registeredAt = Self.timestamp(registration.registeredAt)
        updatedAt = Self.timestamp(registration.updatedAt)
        self.history = history?.map { Change(from: $0.from?.rawValue, to: $0.to.rawValue, reason: $0.reason,
                                             at: Self.timestamp($0.at)) }
    }

    /// UTC, with milliseconds: 2025-06-01T12:00:00.123Z.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func jsonText<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw CommandFailure("cannot encode JSON: \(error)")
        }
    }
}

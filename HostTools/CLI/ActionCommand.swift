import ArgumentParser
import Foundation
import RampartGateway
import RampartGatewayServer

extension GatewayAction: ExpressibleByArgument {}

/// `rampart action <action> KID --reason TEXT`: a response action through the running
/// gateway's loopback admin API.
struct ActionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Apply a response action to a device through the running gateway.",
        discussion: """
            Actions (each idempotent; the reason is recorded with it):
              revoke-session       end the device's OSCORE session
              force-rekey          drop its OSCORE context: its next request gets 4.01,
                                   then it runs EDHOC again
              quarantine           answer its EDHOC with an error (and end its session)
                                   until released
              release              lift a quarantine
              revoke-registration  withdraw its registration for good

            The gateway's admin API address and token come from its configuration: the token \
            is DIR/admin.token in the gateway's data directory, so run this as a user who can \
            read it.

            Examples:
              rampart action quarantine 0a1b --reason "replayed message_1 from 10.0.0.7"
              rampart action release 0a1b --reason "cleared" --data-dir /var/lib/rampart \\
                  --json

            Exit status: 0 when the action is in effect (changed or already so), 1 otherwise.
            """)

    @Argument(help: ArgumentHelp("The action.", valueName: "ACTION"))
    var action: GatewayAction

    @Argument(help: ArgumentHelp("The device's kid in hex.", valueName: "KID"))
    var kid: String

    @Option(help: ArgumentHelp("Why (recorded with the action).", valueName: "TEXT"))
    var reason: String

    @Option(help: ArgumentHelp("The gateway's admin API (default: from --config, else 127.0.0.1:5690).", valueName: "HOST:PORT"))
    var admin: String?

    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The gateway's data directory, holding admin.token (default: from --config, else rampart-data).",
                               valueName: "DIR"))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("The gateway's configuration file, for its admin address and data directory.", valueName: "FILE"))
    var config: String?

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    func validate() throws {
        guard let bytes = [UInt8](hexString: kid), !bytes.isEmpty else {
            throw ValidationError("KID \(kid): expected the device's kid in hex, e.g. 0a1b")
        }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("--reason must not be empty: it is recorded with the action")
        }
    }

    func run() throws {
        let base: GatewayConfiguration
        do { base = try config.map { try ConfigurationFile.load(path: $0) } ?? GatewayConfiguration() } catch {
            throw CommandFailure("\(error)")
        }
        let adminText = admin ?? base.adminListen
        guard !adminText.isEmpty else {
            throw CommandFailure("the admin API is disabled in \(config ?? "the configuration") (adminListen is empty); pass --admin HOST:PORT")
        }
        let client: AdminClient
        do {
            client = AdminClient(address: try ListenAddress(parsing: adminText),
                                 token: try Self.readToken(dataDirectory: dataDirectory ?? base.dataDirectory))
        } catch {
            throw CommandFailure("\(error)")
        }
        let outcome: ActionOutcome
        do {
            outcome = try client.perform(action, kid: [UInt8](hexString: kid) ?? [], reason: reason)
        } catch {
            throw CommandFailure("\(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
        } else if outcome.changed {
            print("\(outcome.action.rawValue): applied to device \(outcome.kid)"
                  + (outcome.sessionDropped ? " (its OSCORE session was dropped)." : "."))
        } else {
            print("\(outcome.action.rawValue): already in effect for device \(outcome.kid); nothing changed.")
        }
    }

    /// The admin token from `<dataDirectory>/admin.token` (never created here: a new token
    /// would not be the running gateway's).
    static func readToken(dataDirectory: String) throws -> String {
        let path = URL(fileURLWithPath: dataDirectory).appending(component: "admin.token").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no admin token at \(path): pass the gateway's data directory (--data-dir DIR); the gateway creates DIR/admin.token on its first start")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure("cannot read \(path): run as the gateway's user (or root), since only it may read the token")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 256)) ?? nil
        let token = String(decoding: data ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CommandFailure("\(path) is empty: delete it and restart the gateway, which creates a new token") }
        return token
    }
}

import ArgumentParser
import Foundation
import RampartGateway
import RampartGatewayServer
import RampartHostCrypto
import RampartLedger
import RampartRegistry

/// `rampart gateway credential`: the gateway's CRED_R, which every device needs to verify
/// the gateway (provisioning gives it to them).
struct GatewayCredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential",
        abstract: "Print the gateway's credential (CRED_R, a CCS) in hex.",
        discussion: """
            The gateway has one static key per cipher suite: 0 (X25519) and 2 (P-256), kept in \
            its data directory (gateway-suite0.key, gateway-suite2.key, mode 0600). Their \
            credentials are public: CWT Claims Sets (RFC 8392) with the public key and its kid. \
            If the keys do not exist yet they are created, exactly as the gateway does on its \
            first start (sealed when the configuration names a sealing key file). Reading an \
            existing credential needs no sealing key. No private key is ever printed.

            With --suite, only that credential's hex is printed, for scripts:

              rampart gateway credential --suite 2 > gateway-suite2.ccs.hex
              rampart gateway credential --data-dir /var/lib/rampart
              rampart gateway credential --config /etc/rampart/gateway.json --json
            """)

    @Option(help: ArgumentHelp("Only the credential of this cipher suite: 0 (X25519) or 2 (P-256).", valueName: "0|2"))
    var suite: Int32?

    @Option(help: ArgumentHelp("The gateway's JSON configuration: its data directory and sealing key file.",
                               valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The gateway's data directory (overrides the configuration's).", valueName: "DIR"))
    var dataDirectory: String?

    @Flag(help: "Print a JSON array of { suite, kid, credential } objects.")
    var json = false

    @Flag(name: .customLong("ledger-key"),
          help: "Print the gateway's Ed25519 ledger public key (hex) instead: what `rampart ledger verify --trusted-key` takes.")
    var ledgerKey = false

    func validate() throws {
        if let suite, suite != 0 && suite != 2 {
            throw ValidationError("--suite must be 0 (X25519) or 2 (P-256)")
        }
    }

    func run() throws {
        var configuration = GatewayConfiguration()
        if let config {
            do { configuration = try ConfigurationFile.load(path: config) } catch { throw CommandFailure("\(error)") }
        }
        let directory = dataDirectory ?? configuration.dataDirectory
        if ledgerKey {
            do {
                let signer = try LedgerSigner.loadOrCreate(dataDirectory: directory)
                print(LedgerJSON.hex(signer.publicKey))
            } catch {
                throw CommandFailure("\(error)")
            }
            return
        }
        let suites: [Int32] = suite.map { [$0] } ?? GatewayKeyStore.suites.map(\.rawValue)
        var entries: [Entry] = []
        do {
            try createKeysIfMissing(directory: directory, sealingKeyFile: configuration.keySealingKeyFile, suites: suites)
            for suite in suites {
                let credential = try GatewayKeyStore.credential(suite: suite, dataDirectory: directory)
                entries.append(Entry(suite: suite, kid: try CredentialIdentity(ccs: credential).kid.hexString,
                                     credential: credential.hexString))
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        } else if suite != nil {
            print(entries[0].credential)
        } else {
            for entry in entries {
                print("suite \(entry.suite) (\(entry.suite == 0 ? "X25519" : "P-256")), kid \(entry.kid): \(entry.credential)")
            }
        }
    }

    /// Creates the keys as the gateway would if a key file the command needs is missing;
    /// the private keys are wiped at once.
    private func createKeysIfMissing(directory: String, sealingKeyFile: String?, suites: [Int32]) throws {
        let missing = try suites.contains { suite in
            !FileManager.default.fileExists(atPath: DataDirectoryLayout.path(directory, try GatewayKeyStore.keyFileName(suite: suite)))
        }
        guard missing else { return }
        var keys = try GatewayKeyStore.loadOrCreate(dataDirectory: directory, sealingKeyFile: sealingKeyFile,
                                                    crypto: HostCrypto())
        for i in keys.indices { keys[i].wipe() }
    }

    struct Entry: Encodable {
        let suite: Int32
        let kid: String
        let credential: String
    }
}

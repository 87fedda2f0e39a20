import ArgumentParser

/// `rampart`: the operator's and developer's entry point.
struct Rampart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rampart",
        abstract: "Intrusion-resilient EDHOC/OSCORE key agreement for edge IoT.",
        discussion: """
            Rampart lets sensor boards agree session keys with edge gateways through EDHOC \
            (RFC 9528) and protect their traffic with OSCORE (RFC 8613). Its parts: the board \
            firmware (Embedded Swift), the gateway, a tamper-evident ledger of registrations, \
            sessions and actions, and a detector that re-keys or quarantines a suspicious device \
            within seconds while every other device keeps running.
            """,
        subcommands: [QEMUCommand.self, BenchCommand.self, EDHOCCommand.self, GatewayCommand.self, ActionCommand.self,
                      DevicesCommand.self, ProvisionCommand.self, LedgerCommand.self,
                      SimCommand.self, DetectCommand.self])
}

/// Top-level code would pick `ParsableCommand`'s synchronous `main()`; an async function
/// picks `AsyncParsableCommand`'s.
func runRampart() async {
    await Rampart.main()
}

await runRampart()

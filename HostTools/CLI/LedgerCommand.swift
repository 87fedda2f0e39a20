import ArgumentParser
import Foundation
import RampartGateway
import RampartLedger
import RampartRegistry

/// `rampart ledger …`: audit the gateway's tamper-evident ledger (docs/ledger.md).
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify, search, prove and export the gateway's tamper-evident ledger.",
        discussion: """
            The ledger (ledger.sqlite in the gateway's data directory) records every \
            registration, a summary of every session, every security action with its reason, \
            and gateway membership, each entry signed by the gateway that wrote it, in an \
            append-only Merkle log hashed as RFC 9162 with a signed tree head per block. The \
            format is docs/ledger.md. These commands only read it, so they are safe while the \
            gateway runs.

              rampart ledger verify
              rampart ledger show --device 2b --since 1h
              rampart ledger proof inclusion --index 1200
              rampart ledger proof consistency --from 1000 --to 2000
              rampart ledger export --output ledger.jsonl
            """,
        subcommands: [LedgerVerify.self, LedgerShow.self, LedgerProof.self, LedgerExport.self])
}

/// The data directory holding ledger.sqlite.
struct LedgerLocation: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The gateway's data directory, holding ledger.sqlite.", valueName: "DIR"))
    var dataDirectory: String = GatewayConfiguration().dataDirectory

    func openStore() throws -> LedgerStore {
        let path = DataDirectoryLayout.path(dataDirectory, DataDirectoryLayout.ledger)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no ledger at \(path): the gateway creates it on its first start (or pass --data-dir)")
        }
        do { return try LedgerStore(path: path) } catch { throw CommandFailure("\(error)") }
    }
}

/// `rampart ledger verify`.
struct LedgerVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every hash and signature; name the first bad entry or block.",
        discussion: """
            Checks, in log order: each entry's encoding, index, signature and signer (a \
            gateway introduced by an earlier membership entry); each block's range, Merkle \
            root and tree-head signature; and that the stored leaf and node hashes match what \
            the entries give. Progress goes to standard error.

            With --trusted-key, the log must start with the membership of a gateway holding \
            one of those keys (see `rampart gateway credential --ledger-key`); without it, the \
            first gateway is trusted as it introduced itself.

            Exit status: 0 when every entry and block verifies, 1 when something is wrong \
            (the first problem is printed), 2 when the ledger could not be read.
            """)

    @OptionGroup var location: LedgerLocation

    @Option(name: .customLong("trusted-key"),
            help: ArgumentHelp("A gateway's Ed25519 ledger public key (hex) that may start the log; repeatable.",
                               valueName: "HEX"))
    var trustedKeys: [String] = []

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    func run() throws {
        var keys: [[UInt8]] = []
        for text in trustedKeys {
            guard let key = [UInt8](hexString: text), key.count == 32 else {
                throw ValidationError("--trusted-key \(text): expected 64 hex digits (an Ed25519 public key)")
            }
            keys.append(key)
        }
        let store: LedgerStore
        do { store = try location.openStore() } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let progress = ProgressLine(enabled: !quiet, label: "verifying")
        let report = LedgerVerifier(store: store, trustedKeys: keys).verify { checked, total in
            progress.update(done: checked, total: total)
        }
        progress.finish()
        if json {
            var object: [String: Any] = ["valid": report.isValid, "entries": report.entriesChecked,
                                         "blocks": report.blocksChecked, "tree_size": report.treeSize]
            if let root = report.root { object["root"] = root.hex }
            if let problem = report.problem {
                var position: [String: Any] = [:]
                switch problem.position {
                case .entry(let index): position["entry"] = index
                case .block(let number): position["block"] = number
                case .storage: position["storage"] = true
                }
                object["problem"] = ["position": position, "what": problem.what]
            }
            print(try LedgerJSON.line(object))
        } else if let problem = report.problem {
            print("ledger INVALID: \(problem)")
            print("checked \(report.entriesChecked) entries in \(report.blocksChecked) blocks before it")
        } else {
            print("ledger OK: \(report.entriesChecked) entries in \(report.blocksChecked) blocks, every hash and signature verified")
            if let root = report.root { print("tree size \(report.treeSize), root \(root.hex)") }
        }
        if !report.isValid { throw ExitCode(1) }
    }
}

/// `rampart ledger show`.
struct LedgerShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the entries about a device, or all entries, since a time.",
        discussion: """
            TIME is an ISO 8601 date or time (2026-11-23, 2026-11-23T08:00:00Z), a duration \
            back from now (90s, 15m, 2h, 7d), or milliseconds since the epoch.

              rampart ledger show --device 2b --since 1h
              rampart ledger show --since 2026-11-23 --type security-event --json
            """)

    @OptionGroup var location: LedgerLocation

    @Option(help: ArgumentHelp("Only entries about this kid (hex).", valueName: "KID"))
    var device: String?

    @Option(help: ArgumentHelp("Only entries written at or after TIME.", valueName: "TIME"))
    var since: String?

    @Option(help: ArgumentHelp("Only entries of this type: registration, session, security-event, policy-change, membership.",
                               valueName: "TYPE"))
    var type: String?

    @Option(help: ArgumentHelp("Print at most N entries (the newest N when more match).", valueName: "N"))
    var limit: Int = 1000

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if let device, [UInt8](hexString: device)?.isEmpty != false {
            throw ValidationError("--device \(device): expected the kid in hex, e.g. 2b")
        }
        if let since, LedgerTimeArgument.milliseconds(since, now: Date()) == nil {
            throw ValidationError("--since \(since): expected 2026-11-23, 2026-11-23T08:00:00Z, 15m, 2h, 7d or epoch milliseconds")
        }
        if let type, !EntryType.allCases.contains(where: { LedgerJSON.name($0) == type }) {
            throw ValidationError("--type \(type): expected one of "
                                  + EntryType.allCases.map(LedgerJSON.name).joined(separator: ", "))
        }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let store = try location.openStore()
        let kid = device.flatMap { [UInt8](hexString: $0) }
        let from = since.flatMap { LedgerTimeArgument.milliseconds($0, now: Date()) } ?? 0
        let blocks = try BlockIndex(store: store)
        var matches: [SignedEntry] = []
        var index: UInt64 = 0
        let page = 4096
        while index < store.treeSize {
            let entries = try store.entries(from: index, limit: page)
            if entries.isEmpty { break }
            for entry in entries where entry.time >= from {
                if let type, LedgerJSON.name(entry.type) != type { continue }
                if let kid, entry.body["kid"]?.bytesValue != kid { continue }
                matches.append(entry)
                // Keep the newest `limit`, trimming in batches (not one shift per entry).
                if matches.count >= 2 * limit { matches.removeFirst(matches.count - limit) }
            }
            index += UInt64(entries.count)
        }
        if matches.count > limit { matches.removeFirst(matches.count - limit) }
        if matches.isEmpty && !json {
            print("no entries match (the ledger has \(store.treeSize))")
            return
        }
        for entry in matches {
            if json {
                print(try LedgerJSON.line(LedgerJSON.object(entry, block: blocks.block(containing: entry.index))))
            } else {
                print(Self.line(entry))
            }
        }
    }

    /// `#index time type kid key=value …` for a person.
    static func line(_ entry: SignedEntry) -> String {
        var fields: [String] = []
        for member in entry.body.mapEntries ?? [] {
            guard let key = member.key.textValue else { continue }
            let value = LedgerJSON.value(member.value)
            let text: String
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                text = String(decoding: data, as: UTF8.self)
            } else {
                text = "\(value)"
            }
            fields.append("\(key)=\(text)")
        }
        return "#\(entry.index) \(LedgerJSON.iso8601(milliseconds: entry.time)) \(LedgerJSON.name(entry.type)) "
            + "gateway=\(entry.gateway.hex) " + fields.joined(separator: " ")
    }
}

/// `rampart ledger proof inclusion|consistency`.
struct LedgerProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Print an RFC 9162 inclusion or consistency proof, verified against the stored tree heads.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the entry at INDEX is in the tree of size N (default: the whole log).",
            discussion: """
                Prints the entry's leaf hash, the audit path (RFC 9162 §2.1.3) and the root of \
                the tree it leads to, and checks the path with the §2.1.3.2 algorithm first.

                  rampart ledger proof inclusion --index 1200 --json
                """)

        @OptionGroup var location: LedgerLocation
        @Option(help: ArgumentHelp("The entry's index (0-based).", valueName: "INDEX")) var index: UInt64
        @Option(name: .customLong("tree-size"), help: ArgumentHelp("The tree size (default: the log's).", valueName: "N"))
        var treeSize: UInt64?
        @Flag(help: "Print the proof as JSON.") var json = false

        func run() throws {
            let store = try location.openStore()
            let size = treeSize ?? store.treeSize
            guard index < size, size <= store.treeSize else {
                throw CommandFailure("index \(index) is not in a tree of size \(size) (the log has \(store.treeSize) entries)")
            }
            guard let entry = try store.entry(at: index) else { throw CommandFailure("entry \(index) is missing from the store") }
            let proof = try store.inclusionProof(index: index, treeSize: size)
            let root = try store.rootHash(treeSize: size)
            do {
                try MerkleVerification.verifyInclusion(leafHash: entry.leafHash, index: index, size: size, proof: proof, root: root)
            } catch {
                throw CommandFailure("the proof does not verify (\(error)): run `rampart ledger verify`")
            }
            if json {
                print(try LedgerJSON.line(["index": index, "tree_size": size, "leaf_hash": entry.leafHash.hex,
                                           "audit_path": proof.map(\.hex), "root": root.hex, "verified": true]))
            } else {
                print("entry \(index) is in the tree of size \(size)")
                print("leaf hash  \(entry.leafHash.hex)")
                for (level, hash) in proof.enumerated() { print("path[\(level)]    \(hash.hex)") }
                print("root       \(root.hex)  (verified)")
            }
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the tree of size M is a prefix of the tree of size N.",
            discussion: """
                Prints both roots and the consistency proof (RFC 9162 §2.1.4), checked with the \
                §2.1.4.2 algorithm first.

                  rampart ledger proof consistency --from 1000 --to 2000
                """)

        @OptionGroup var location: LedgerLocation
        @Option(help: ArgumentHelp("The older tree size.", valueName: "M")) var from: UInt64
        @Option(help: ArgumentHelp("The newer tree size (default: the log's).", valueName: "N")) var to: UInt64?
        @Flag(help: "Print the proof as JSON.") var json = false

        func run() throws {
            let store = try location.openStore()
            let newSize = to ?? store.treeSize
            guard from >= 1, from <= newSize, newSize <= store.treeSize else {
                throw CommandFailure("need 1 ≤ M ≤ N ≤ \(store.treeSize) (the log's size); got M = \(from), N = \(newSize)")
            }
            let proof = try store.consistencyProof(from: from, to: newSize)
            let oldRoot = try store.rootHash(treeSize: from)
            let newRoot = try store.rootHash(treeSize: newSize)
            do {
                try MerkleVerification.verifyConsistency(oldSize: from, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot,
                                                         proof: proof)
            } catch {
                throw CommandFailure("the proof does not verify (\(error)): run `rampart ledger verify`")
            }
            if json {
                print(try LedgerJSON.line(["from": from, "to": newSize, "old_root": oldRoot.hex, "new_root": newRoot.hex,
                                           "proof": proof.map(\.hex), "verified": true]))
            } else {
                print("the tree of size \(from) is a prefix of the tree of size \(newSize)")
                print("old root   \(oldRoot.hex)")
                print("new root   \(newRoot.hex)")
                for (i, hash) in proof.enumerated() { print("proof[\(i)]   \(hash.hex)") }
                print("(verified)")
            }
        }
    }
}

/// `rampart ledger export`.
struct LedgerExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write entries as JSON lines (one object per entry, in log order).",
        discussion: """
            Each line holds the entry's index, time, gateway, type, body (byte strings in hex), \
            signature, leaf hash and block. Progress goes to standard error.

              rampart ledger export --output ledger.jsonl
              rampart ledger export --from 5000 | jq 'select(.type == "security-event")'
            """)

    @OptionGroup var location: LedgerLocation
    @Option(help: ArgumentHelp("The first index to export.", valueName: "INDEX")) var from: UInt64 = 0
    @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE")) var output: String?
    @Flag(help: "No progress on standard error.") var quiet = false

    func run() throws {
        let store = try location.openStore()
        let blocks = try BlockIndex(store: store)
        let sink: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil) , let handle = FileHandle(forWritingAtPath: output) else {
                throw CommandFailure("cannot write \(output): check the directory exists and is writable")
            }
            sink = handle
        } else {
            sink = FileHandle.standardOutput
        }
        let total = store.treeSize
        let progress = ProgressLine(enabled: !quiet && output != nil, label: "exporting")
        var index = from
        while index < total {
            let entries = try store.entries(from: index, limit: 4096)
            if entries.isEmpty { break }
            var chunk = ""
            for entry in entries {
                chunk += try LedgerJSON.line(LedgerJSON.object(entry, block: blocks.block(containing: entry.index)))
                chunk += "\n"
            }
            sink.write(Data(chunk.utf8))
            index += UInt64(entries.count)
            progress.update(done: index - from, total: total - from)
        }
        progress.finish()
        if let output { FileHandle.standardError.write(Data("exported \(index - min(from, index)) entries to \(output)\n".utf8)) }
    }
}

/// Which block holds an entry: the blocks' tree sizes, searched by bisection.
struct BlockIndex {
    private var ends: [UInt64] = []

    init(store: LedgerStore) throws {
        var number: UInt64 = 0
        while true {
            let heads = try store.heads(from: number, limit: 4096)
            if heads.isEmpty { break }
            ends.append(contentsOf: heads.map(\.treeSize))
            number += UInt64(heads.count)
        }
    }

    func block(containing index: UInt64) -> UInt64? {
        var low = 0, high = ends.count
        while low < high {
            let middle = (low + high) / 2
            if ends[middle] > index { high = middle } else { low = middle + 1 }
        }
        return low < ends.count ? UInt64(low) : nil
    }
}

/// `--since` values.
enum LedgerTimeArgument {
    static func milliseconds(_ text: String, now: Date) -> UInt64? {
        if let value = UInt64(text) { return value }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count >= 0 {
            return UInt64(max(0, (now.timeIntervalSince1970 - count * seconds) * 1000))
        }
        if let date = try? Date(text, strategy: .iso8601) { return UInt64(max(0, date.timeIntervalSince1970 * 1000)) }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) {
            return UInt64(max(0, date.timeIntervalSince1970 * 1000))
        }
        return nil
    }
}

/// A progress line on standard error, redrawn at most every 200 ms.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let lock = NSLock()
    private var last = Date.distantPast
    private var drawn = false

    init(enabled: Bool, label: String) {
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
        self.label = label
    }

    func update(done: UInt64, total: UInt64) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 || done == total else { return }
        last = now
        let percent = total == 0 ? 100 : Int(Double(done) / Double(total) * 100)
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) entries (\(percent)%)".utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

import Foundation
import RampartDevice
import RampartGateway

/// What provisioning did to a board.
public enum ProvisioningOutcome: String, Sendable, Codable {
    /// The board took its identity now and the registry holds it.
    case provisioned
    /// The board was provisioned already (elsewhere, or `done` was lost); its credential
    /// from the status report is now registered.
    case adopted
    /// The board was provisioned and registered already; nothing changed.
    case alreadyRegistered = "already-registered"
}

/// One board's result: printed as a summary, or as one JSON object with `--json`.
public struct ProvisionedBoard: Sendable, Codable, Equatable {
    public var port: String
    public var outcome: ProvisioningOutcome
    /// Hex.
    public var deviceID: String
    /// Hex.
    public var kid: String
    public var suite: Int32
    public var firmware: String
    public var firmwareSuites: [Int32]
    /// CRED_I in hex (public).
    public var credential: String
    /// The board was factory-reset first (its old identity destroyed).
    public var factoryReset: Bool
    /// The kid of the registration removed with the factory reset, if any (hex).
    public var removedKid: String?
    /// The policy sent to the board; nil when the board was not provisioned now (its own
    /// policy is not reported by `status`).
    public var policy: Policy?
    public var group: String
    public var label: String
    /// The registry file.
    public var registry: String

    /// The policy as sent, with units in the names.
    public struct Policy: Sendable, Codable, Equatable {
        public var telemetryIntervalMs: UInt32
        public var rekeyIntervalS: UInt32
        public var ackTimeoutMs: UInt32
        public var quarantineBackoffBaseMs: UInt32
        public var quarantineBackoffCapMs: UInt32

        public init(_ policy: ProvisioningPolicy) {
            telemetryIntervalMs = policy.telemetryIntervalMilliseconds
            rekeyIntervalS = policy.rekeyIntervalSeconds
            ackTimeoutMs = policy.ackTimeoutMilliseconds
            quarantineBackoffBaseMs = policy.quarantineBackOffBaseMilliseconds
            quarantineBackoffCapMs = policy.quarantineBackOffCapMilliseconds
        }
    }

    /// Several lines for people.
    public var summary: String {
        let what = switch outcome {
        case .provisioned: factoryReset ? "factory-reset and provisioned" : "provisioned"
        case .adopted: "already provisioned; its credential is now registered (adopted)"
        case .alreadyRegistered: "already provisioned and registered; nothing changed"
        }
        var lines = [
            "\(port): \(what)",
            "  device-id  \(deviceID)",
            "  kid        \(kid)",
            "  suite      \(suite) (\(suite == 0 ? "X25519" : suite == 2 ? "P-256" : "unknown"))",
            "  firmware   \(firmware) (suites \(firmwareSuites.map(String.init).joined(separator: ", ")))",
            "  group      \(group)" + (label.isEmpty ? "" : ", label \"\(label)\""),
        ]
        if let policy {
            lines.append("  policy     telemetry every \(Self.seconds(milliseconds: policy.telemetryIntervalMs)) s, "
                         + "re-key every \(policy.rekeyIntervalS) s, ACK timeout \(policy.ackTimeoutMs) ms, "
                         + "quarantine back-off \(policy.quarantineBackoffBaseMs)–\(policy.quarantineBackoffCapMs) ms")
        }
        if let removedKid { lines.append("  removed    the old registration of kid \(removedKid)") }
        lines.append("  registry   \(registry)")
        return lines.joined(separator: "\n")
    }

    /// One JSON object (snake_case keys), on one line when `compact` (JSON Lines for several
    /// boards).
    public func jsonText(compact: Bool = false) -> String {
        Self.jsonText(self, compact: compact)
    }

    static func jsonText<Value: Encodable>(_ value: Value, compact: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes]
            : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Only strings, integers and booleans: encoding cannot fail.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func seconds(milliseconds: UInt32) -> String {
        milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
    }
}

/// A failed board, as `--json` prints it.
public struct ProvisioningFailure: Sendable, Codable, Equatable {
    public var port: String
    public var outcome = "failed"
    public var error: String

    public init(port: String, error: ProvisioningError) {
        self.port = port
        self.error = error.description
    }

    public func jsonText(compact: Bool = false) -> String {
        ProvisionedBoard.jsonText(self, compact: compact)
    }
}

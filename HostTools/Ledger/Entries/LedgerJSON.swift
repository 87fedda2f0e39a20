import Foundation

/// Ledger entries as JSON (`rampart ledger export` and `show --json`): one object per entry,
/// byte strings as lower-case hex, keys sorted so that equal entries print equal lines.
public enum LedgerJSON {
    /// The entry type's name in JSON and in `show`.
    public static func name(_ type: EntryType) -> String {
        switch type {
        case .registration: "registration"
        case .session: "session"
        case .securityEvent: "security-event"
        case .policyChange: "policy-change"
        case .membership: "membership"
        }
    }

    public static func object(_ entry: SignedEntry, block: UInt64?) -> [String: Any] {
        var object: [String: Any] = [
            "index": entry.index,
            "time": entry.time,
            "time_iso8601": iso8601(milliseconds: entry.time),
            "gateway": entry.gateway.hex,
            "type": name(entry.type),
            "body": value(entry.body),
            "signature": hex(entry.signature),
            "leaf_hash": entry.leafHash.hex,
        ]
        if let block { object["block"] = block }
        return object
    }

    /// One line of JSON (no trailing newline).
    public static func line(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    public static func value(_ cbor: CBORValue) -> Any {
        switch cbor {
        case .unsigned(let value): value
        case .negative: cbor.intValue.map { $0 as Any } ?? "-1-\(cbor)"
        case .bytes(let bytes): hex(bytes)
        case .text(let text): text
        case .bool(let flag): flag
        case .array(let items): items.map(value)
        case .map(let entries):
            Dictionary(entries.map { entry in (entry.key.textValue ?? hex(entry.key.encoded()), value(entry.value)) },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String { LedgerFormatSupport.hex(bytes) }

    /// The bytes an even, non-zero number of hex digits spell, or nil.
    public static func bytes(hex: String) -> [UInt8]? {
        guard !hex.isEmpty else { return nil }
        return LedgerFormatSupport.bytes(fromHex: hex.utf8)
    }

    public static func iso8601(milliseconds: UInt64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

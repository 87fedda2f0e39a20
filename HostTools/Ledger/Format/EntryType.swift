/// What an entry records (docs/ledger.md, "Entries"). The raw value is the `type` field.
public enum EntryType: UInt64, Sendable, CaseIterable, CustomStringConvertible {
    case registration = 1
    case session = 2
    case securityEvent = 3
    case policyChange = 4
    case membership = 5

    public var description: String {
        switch self {
        case .registration: "registration"
        case .session: "session"
        case .securityEvent: "security event"
        case .policyChange: "policy change"
        case .membership: "membership"
        }
    }
}

/// The keys of each entry type's body and what each may hold: the table of docs/ledger.md.
///
/// Decoding is strict both ways: a body must have every key of its type and no other, each
/// with a value of its kind. A reader that skipped unknown keys would let a writer slip
/// unsigned-for meaning past older verifiers; a new field needs a new version string in
/// `ToBeSigned` instead.
enum EntryBodySchema {
    /// What a body value may be.
    enum Kind {
        /// A byte string of `count` bytes (any length up to `maxBytes` when nil).
        case bytes(count: Int?)
        /// An unsigned integer up to `max`.
        case unsigned(max: UInt64)
        /// An integer, either sign.
        case integer
        /// A text string; one of `allowed` when given.
        case text(allowed: [String]?)
        /// An array of integers.
        case integers
        /// An array of text strings.
        case texts
        /// A map of anything (canonical CBOR, like the rest of the entry).
        case anyMap
        /// A map from text to unsigned integers.
        case countsByText
        case bool
    }

    /// Longest byte string of unspecified length (a kid): far above EDHOC's, far below abuse.
    static let maxBytes = 256
    /// Largest security score (`score` of a security event).
    static let maxScore: UInt64 = 1000
    /// The `change` of a membership entry.
    static let membershipChanges = ["joined", "left"]

    static func fields(of type: EntryType) -> [(key: String, kind: Kind)] {
        switch type {
        case .registration:
            [("kid", .bytes(count: nil)), ("credential_sha256", .bytes(count: 32)),
             ("registration_salt", .bytes(count: 16)), ("registration_hash", .bytes(count: 32)),
             ("suites", .integers), ("policy", .anyMap), ("tool", .text(allowed: nil)), ("reason", .text(allowed: nil))]
        case .session:
            [("kid", .bytes(count: nil)), ("start", .unsigned(max: .max)), ("end", .unsigned(max: .max)),
             ("outcome", .text(allowed: nil)), ("session", .unsigned(max: .max)), ("suite", .integer),
             ("requests", .unsigned(max: .max)), ("rejections", .countsByText)]
        case .securityEvent:
            [("kid", .bytes(count: nil)), ("score", .unsigned(max: maxScore)), ("evidence", .texts),
             ("action", .text(allowed: nil)), ("reason", .text(allowed: nil)), ("changed", .bool)]
        case .policyChange:
            [("subject", .text(allowed: nil)), ("old", .text(allowed: nil)), ("new", .text(allowed: nil)),
             ("reason", .text(allowed: nil))]
        case .membership:
            [("public_key", .bytes(count: 32)), ("change", .text(allowed: membershipChanges)), ("address", .text(allowed: nil))]
        }
    }

    /// Checks `body` against the schema of `type`.
    static func validate(_ body: CBORValue, as type: EntryType) throws(LedgerFormatError) {
        guard let entries = body.mapEntries else { throw .invalidBody(type, reason: "the body is not a map") }
        let fields = fields(of: type)
        var seen = Set<String>()
        for entry in entries {
            guard let key = entry.key.textValue else {
                throw .invalidBody(type, reason: "a key is not a text string")
            }
            guard let field = fields.first(where: { $0.key == key }) else {
                throw .invalidBody(type, reason: "unknown key \"\(key)\" (keys: \(fields.map(\.key).joined(separator: ", ")))")
            }
            guard seen.insert(key).inserted else { throw .invalidBody(type, reason: "key \"\(key)\" appears twice") }
            if let problem = check(entry.value, field.kind) {
                throw .invalidBody(type, reason: "\"\(key)\" \(problem)")
            }
        }
        if seen.count != fields.count {
            let missing = fields.map(\.key).filter { !seen.contains($0) }
            throw .invalidBody(type, reason: "missing \(missing.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }

    /// What is wrong with `value` as a `kind`, or nil.
    private static func check(_ value: CBORValue, _ kind: Kind) -> String? {
        switch kind {
        case .bytes(let count):
            guard let bytes = value.bytesValue else { return "is not a byte string" }
            if let count, bytes.count != count { return "has \(bytes.count) bytes, not \(count)" }
            if bytes.count > maxBytes { return "has \(bytes.count) bytes, more than \(maxBytes)" }
        case .unsigned(let max):
            guard let number = value.unsignedValue else { return "is not an unsigned integer" }
            if number > max { return "is \(number), more than \(max)" }
        case .integer:
            guard value.unsignedValue != nil || isNegative(value) else { return "is not an integer" }
        case .text(let allowed):
            guard let text = value.textValue else { return "is not a text string" }
            if let allowed, !allowed.contains(text) {
                return "is \"\(text)\", not one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))"
            }
        case .integers:
            guard let items = value.arrayValue, items.allSatisfy({ $0.unsignedValue != nil || isNegative($0) }) else {
                return "is not an array of integers"
            }
        case .texts:
            guard let items = value.arrayValue, items.allSatisfy({ $0.textValue != nil }) else {
                return "is not an array of text strings"
            }
        case .anyMap:
            guard value.mapEntries != nil else { return "is not a map" }
        case .countsByText:
            guard let entries = value.mapEntries,
                  entries.allSatisfy({ $0.key.textValue != nil && $0.value.unsignedValue != nil }) else {
                return "is not a map from text to unsigned integers"
            }
        case .bool:
            guard value.boolValue != nil else { return "is not true or false" }
        }
        return nil
    }

    private static func isNegative(_ value: CBORValue) -> Bool {
        if case .negative = value { return true }
        return false
    }
}

import Foundation

/// The input of `rampart edhoc trace`: keys, ephemerals, identifiers and credentials under
/// RFC 9529's names, each a hex string (`method` is a number). `SUITES_I` is the CBOR data
/// item (`02`, `820602`); `C_I`/`C_R` are the raw identifier bytes; `CRED_x` the CCS;
/// `ID_CRED_x` the `{4: kid}` map. Optional: `EAD_1`…`EAD_4` (CBOR sequences),
/// `KeyUpdate context`, and `SUITES_R` (the Responder's suites; default: the selected one).
public struct EDHOCTraceInput: Sendable {
    public var method: Int
    public var values: [String: [UInt8]]

    public static let requiredKeys = ["SUITES_I", "SK_I", "SK_R", "X", "Y", "C_I", "C_R",
                                      "CRED_I", "CRED_R", "ID_CRED_I", "ID_CRED_R"]
    public static let optionalKeys = ["EAD_1", "EAD_2", "EAD_3", "EAD_4", "KeyUpdate context", "SUITES_R"]

    /// Parses the JSON object. Keys starting with `_` are comments; keys this tool does not
    /// use (for example the "(first time)" values of trace 2) are ignored.
    public init(json: Data) throws(EDHOCTraceError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw .invalidInput("not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else { throw .invalidInput("the top level must be a JSON object") }
        guard let method = dictionary["method"] as? Int else {
            throw .invalidInput("\"method\" is missing or not a number (this tool runs method 3)")
        }
        self.method = method
        var values: [String: [UInt8]] = [:]
        for key in Self.requiredKeys + Self.optionalKeys {
            guard let raw = dictionary[key] else {
                if Self.requiredKeys.contains(key) { throw .invalidInput("\"\(key)\" is missing") }
                continue
            }
            guard let text = raw as? String, let bytes = Hex.decode(text) else {
                throw .invalidInput("\"\(key)\" must be a hex string (spaces allowed)")
            }
            values[key] = bytes
        }
        self.values = values
    }

    public subscript(key: String) -> [UInt8]? { values[key] }
}

/// Why a trace could not be produced: bad input (exit status 2) or a handshake step that
/// failed (exit status 1), each with a sentence that says what to fix.
public enum EDHOCTraceError: Error, CustomStringConvertible {
    case invalidInput(String)
    case handshakeFailed(step: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let message): "invalid input: \(message)"
        case .handshakeFailed(let step, let reason): "\(step) failed: \(reason)"
        }
    }
}

/// Hex strings of the traces: lowercase, no separators on output; spaces and line breaks
/// allowed on input (RFC 9529 prints values in spaced groups).
public enum Hex {
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

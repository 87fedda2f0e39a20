// Loading the standard test vectors stored under Tests/Vectors. Each file names its source
// in its first lines.
import Foundation

enum VectorFiles {
    /// The repository's Tests/Vectors directory, found from this file's path.
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    /// Records of a NIST CAVP `.rsp` file: `[section]` headers and `Key = Value` lines,
    /// records separated by blank lines. Each record carries the section it belongs to
    /// under the key "[section]". Lines starting with `#` are comments.
    static func cavpRecords(_ name: String) throws -> [[String: String]] {
        var records: [[String: String]] = []
        var current: [String: String] = [:]
        var section = ""
        func flush() {
            if !current.isEmpty { current["[section]"] = section; records.append(current) }
            current = [:]
        }
        for raw in try text(name).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("#") { continue }
            if line.isEmpty { flush(); continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                flush()
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            current[key] = value
        }
        flush()
        return records
    }
}

/// Bytes from a hex string (whitespace ignored). Traps on malformed hex: vector files are
/// trusted test data, and a typo there must fail loudly.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd-length hex: \(hex)")
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { preconditionFailure("bad hex: \(hex)") }
        out.append(byte)
        index = next
    }
    return out
}

extension Collection where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

extension InlineArray where Element == UInt8 {
    /// The bytes as an array, for comparisons in tests.
    var array: [UInt8] { (0..<count).map { self[$0] } }
    /// A value from an array of exactly `count` bytes.
    init(_ bytes: [UInt8]) {
        precondition(bytes.count == Self.count, "expected \(Self.count) bytes, got \(bytes.count)")
        self.init(repeating: 0)
        for i in 0..<Self.count { self[i] = bytes[i] }
    }
}

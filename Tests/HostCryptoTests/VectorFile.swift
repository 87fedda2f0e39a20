// Reading `KEY = value` records from the vector files under Tests/Vectors.
import Foundation

enum VectorFile {
    /// The repository's Tests/Vectors directory, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors")

    /// Records separated by blank lines; `#` comments and `[section]` headers are skipped.
    static func records(_ name: String) throws -> [[String: String]] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var records: [[String: String]] = []
        var current: [String: String] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("#") || line.hasPrefix("[") { continue }
            if line.isEmpty {
                if !current.isEmpty { records.append(current) }
                current = [:]
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            current[line[..<equals].trimmingCharacters(in: .whitespaces)] =
                line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        if !current.isEmpty { records.append(current) }
        return records
    }
}

import Foundation

/// Tests/Vectors and Tests/Interop, found from this file's path.
enum ProtocolVectors {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let directory = tests.appendingPathComponent("Vectors")
    static let interop = tests.appendingPathComponent("Interop")

    /// A flat JSON object of hex strings (keys starting with `_` are comments).
    static func hexObject(_ url: URL) throws -> [String: [UInt8]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var out: [String: [UInt8]] = [:]
        for (key, value) in object where !key.hasPrefix("_") {
            guard let text = value as? String else { continue }
            out[key] = hex(text)
        }
        return out
    }

    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace }.utf8)
        precondition(digits.count % 2 == 0, "odd hex string in a vector file")
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}

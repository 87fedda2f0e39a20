/// The admin API's shared secret (the content of `<dataDirectory>/admin.token`). It is never
/// logged, and `description` hides it so string interpolation cannot leak it.
public struct BearerToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    /// `text` with surrounding whitespace (a trailing newline in the file) removed; nil if
    /// nothing is left.
    public init?(_ text: String) {
        let trimmed = Array(text.trimmingWhitespace.utf8)
        guard !trimmed.isEmpty else { return nil }
        bytes = trimmed
    }

    public var description: String { "BearerToken(redacted)" }

    /// Whether an `Authorization` header value is `Bearer <this token>`. The comparison takes
    /// the same time wherever the first difference is (RFC 6750 §5.2 bearer tokens must not
    /// be guessable byte by byte through timing).
    public func authorizes(_ header: String?) -> Bool {
        guard let header else { return false }
        let presented = Array(header.utf8)
        let scheme = Array("Bearer ".utf8)
        guard presented.count >= scheme.count,
              presented[0..<scheme.count].map({ $0 | 0x20 }) == scheme.map({ $0 | 0x20 }) else { return false }
        return Self.constantTimeEqual(bytes, presented[scheme.count...])
    }

    /// Equal contents, in time that depends only on `expected.count`.
    static func constantTimeEqual(_ expected: [UInt8], _ candidate: ArraySlice<UInt8>) -> Bool {
        var difference: UInt8 = expected.count == candidate.count ? 0 : 1
        let base = candidate.startIndex
        for i in 0..<expected.count {
            let other = i < candidate.count ? candidate[base + i] : 0
            difference |= expected[i] ^ other
        }
        return difference == 0
    }
}

/// One output stream of a run, kept up to a byte limit, searchable line by line.
struct CapturedStream: Sendable {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    /// Bytes that arrived after `limit` was reached.
    private(set) var droppedBytes = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        let room = limit - bytes.count
        bytes += chunk.prefix(room)
        droppedBytes += max(0, chunk.count - room)
    }

    /// The first complete line at or after `offset` that contains `needle`, without its line
    /// ending (`\n` or `\r\n`). Advances `offset` past every complete line it examined.
    func firstLine(containing needle: [UInt8], from offset: inout Int) -> String? {
        while let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = bytes[offset..<newline]
            offset = newline + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if needle.isEmpty || line.firstRange(of: needle) != nil {
                return String(decoding: line, as: UTF8.self)
            }
        }
        return nil
    }
}

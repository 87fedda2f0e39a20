/// Cuts a byte stream of concatenated JSON objects (the watch stream: `{"result":{…}}` one after
/// another, newline-separated, split across HTTP chunks anywhere) into whole objects.
///
/// It tracks only what decides where an object ends: brace depth, and whether it is inside a
/// string (where braces do not count) or just after a backslash in one. Everything between
/// objects (newlines, spaces) is skipped. Decoding is left to JSONDecoder.
struct JSONObjectSplitter {
    /// The largest object accepted; a watch response is bounded by etcd's max-request-bytes
    /// (1.5 MiB by default) times a batch, so this only stops a runaway stream.
    static let maxObjectBytes = 64 << 20

    enum SplitError: Error, CustomStringConvertible {
        case tooLarge(Int)
        case unexpected(UInt8)
        var description: String {
            switch self {
            case .tooLarge(let size): "a JSON object in the stream exceeds \(size) bytes"
            case .unexpected(let byte): "unexpected byte 0x\(String(byte, radix: 16)) between JSON objects"
            }
        }
    }

    private var current: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false

    /// Appends `bytes` and returns the objects completed by them, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(SplitError) -> [[UInt8]] {
        var complete: [[UInt8]] = []
        for byte in bytes {
            if depth == 0 {
                switch byte {
                case UInt8(ascii: "{"):
                    depth = 1
                    current.append(byte)
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    continue
                default:
                    throw .unexpected(byte)
                }
                continue
            }
            current.append(byte)
            guard current.count <= Self.maxObjectBytes else { throw .tooLarge(Self.maxObjectBytes) }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    complete.append(current)
                    current.removeAll(keepingCapacity: true)
                }
            default: break
            }
        }
        return complete
    }

    /// True when no object is half-read (the stream may end here cleanly).
    var isIdle: Bool { depth == 0 }
}

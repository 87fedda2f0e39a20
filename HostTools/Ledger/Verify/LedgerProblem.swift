/// What is wrong with a log, and where: the first bad entry or block that verification,
/// an append or a fork check found.
public struct LedgerProblem: Sendable, Error, Equatable, CustomStringConvertible {
    public enum Position: Sendable, Equatable, CustomStringConvertible {
        /// The entry at this position of the log.
        case entry(UInt64)
        /// The block with this number (its tree head or its range).
        case block(UInt64)
        /// Data the store derives from entries and heads (leaf and node hashes, the membership
        /// index), or the file itself.
        case storage

        public var description: String {
            switch self {
            case .entry(let index): "entry \(index)"
            case .block(let number): "block \(number)"
            case .storage: "storage"
            }
        }
    }

    public let position: Position
    /// A sentence saying what is wrong, without the position.
    public let what: String

    public init(_ position: Position, _ what: String) {
        self.position = position
        self.what = what
    }

    public var description: String { "\(position): \(what)" }
}

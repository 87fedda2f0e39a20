/// Why a ledger store operation failed. Each description says what to do.
public enum LedgerStoreError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be opened, read or written (permissions, another program's database,
    /// a newer schema, a full disk…).
    case storage(String)
    /// A block that does not extend the stored log validly; nothing was written.
    case refused(LedgerProblem)
    /// A request the log cannot answer or an entry that cannot be written (a tree size past the
    /// end, an invalid body, a signer that is not a member).
    case invalidRequest(String)
    /// The stored log is damaged (found when it was opened or read); it is not extended.
    case damaged(String)

    public var description: String {
        switch self {
        case .storage(let message): message
        case .refused(let problem): "block refused: \(problem)"
        case .invalidRequest(let message): message
        case .damaged(let message): message
        }
    }
}

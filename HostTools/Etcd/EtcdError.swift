/// What an etcd call failed with. Every case says what happened in words a log reader can act on.
public enum EtcdError: Error, CustomStringConvertible, Sendable {
    /// No member answered in time, or none that could reach a quorum. The text names every
    /// endpoint tried and why each failed. When it contains "outcome unknown", a write was sent
    /// and may or may not have been applied: re-read before deciding what to do.
    case unavailable(String)
    /// The revision asked for was compacted away; `revision` is the compaction point when etcd
    /// reported it (watches), else the revision that was asked for (reads).
    case compacted(revision: Int64)
    /// etcd refused the request itself (a gRPC status `code` with etcd's message), e.g.
    /// "etcdserver: request is too large". Retrying elsewhere would not help.
    case server(code: Int, message: String)
    /// The answer did not have the shape of etcd's v3 JSON API.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .unavailable(let detail):
            "etcd unavailable: \(detail)"
        case .compacted(let revision):
            "etcd revision \(revision) has been compacted; re-read the current state and watch from its revision"
        case .server(let code, let message):
            "etcd refused the request (gRPC code \(code)): \(message)"
        case .malformedResponse(let detail):
            "unexpected answer from etcd (is this an etcd v3.4+ client URL?): \(detail)"
        }
    }

    /// True for `.unavailable` failures after which a write may have been applied.
    public var outcomeUnknown: Bool {
        if case .unavailable(let detail) = self { return detail.contains(EtcdError.outcomeUnknownMarker) }
        return false
    }

    static let outcomeUnknownMarker = "outcome unknown"
}

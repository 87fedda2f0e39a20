/// One key's current state, as etcd's `mvccpb.KeyValue` describes it. Keys are UTF-8 text here
/// (Rampart's keys are paths such as `rampart/ledger/blocks/42`); values are arbitrary bytes.
public struct EtcdKeyValue: Sendable, Equatable {
    public let key: String
    public let value: [UInt8]
    /// The revision of the put that created the key (since its last deletion).
    public let createRevision: Int64
    /// The revision of the key's last modification.
    public let modRevision: Int64
    /// Puts since the key was created; 0 on a deletion's tombstone.
    public let version: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
    }
}

/// The answer to a range read.
public struct EtcdRangeResult: Sendable {
    public let kvs: [EtcdKeyValue]
    /// The store's revision when the read was served (`header.revision`): a watch started at
    /// `revision + 1` sees every change after this snapshot.
    public let revision: Int64
    /// True when `limit` cut the answer short: read on from the last key + "\0".
    public let more: Bool
    /// Keys in the whole range, not only those returned.
    public let count: Int64
}

/// One condition of a transaction: the key's field compared for equality (etcd `Compare`,
/// result `EQUAL`). A missing key has create revision, mod revision and version 0, so
/// `.createRevision(key:, equals: 0)` means "the key does not exist".
public enum EtcdCompare: Sendable {
    case createRevision(key: String, equals: Int64)
    case modRevision(key: String, equals: Int64)
    case value(key: String, equals: [UInt8])
    case version(key: String, equals: Int64)
}

/// One operation of a transaction branch (etcd `RequestOp`).
public enum EtcdOperation: Sendable {
    case put(key: String, value: [UInt8])
    case delete(key: String)
    case range(key: String)
    case rangePrefix(String)
}

/// The outcome of a transaction.
public struct EtcdTxnResult: Sendable {
    /// Whether every comparison held (the success branch ran) or not (the failure branch ran).
    public let succeeded: Bool
    /// The store's revision after the transaction (unchanged when the branch wrote nothing).
    public let revision: Int64
    /// The answers of the executed branch's range operations, in order.
    public let ranges: [[EtcdKeyValue]]
}

/// One change seen by a watch.
public enum EtcdWatchEvent: Sendable, Equatable {
    case put(EtcdKeyValue)
    case delete(key: String, modRevision: Int64)

    /// The revision at which the change happened.
    public var modRevision: Int64 {
        switch self {
        case .put(let kv): kv.modRevision
        case .delete(_, let revision): revision
        }
    }

    public var key: String {
        switch self {
        case .put(let kv): kv.key
        case .delete(let key, _): key
        }
    }
}

/// What one member says about itself (`/v3/maintenance/status`). Member ids are etcd's
/// 64-bit unsigned ids.
public struct EtcdMemberStatus: Sendable {
    public let endpoint: String
    public let memberID: UInt64
    /// nil while the member knows no leader (an election is running or it has lost quorum).
    public let leaderID: UInt64?
    public let raftTerm: UInt64
    public let revision: Int64
    /// Alarms and conditions the member reports, e.g. "etcdserver: no leader".
    public let errors: [String]

    public var isLeader: Bool { leaderID == memberID }
}

import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A client of etcd's v3 JSON API (the grpc-gateway under `/v3/`), for a cluster of members.
///
/// Guarantees the cluster mode relies on:
/// - Reads are linearizable (etcd's default, `serializable: false`): a member that cannot reach
///   a quorum fails the read instead of answering from a stale copy.
/// - Every request carries etcd's "require leader" metadata, so a member without a leader
///   refuses at once ("etcdserver: no leader") rather than holding the request for its own
///   5 s+ timeout; the client then tries the next member.
/// - Failover: on a refused or reset connection, a timeout, an HTTP 5xx or an etcd error that
///   means "no leader / leader changed / try again", the next endpoint is tried, starting each
///   call with the one that last answered, in rounds with a short back-off, until one overall
///   deadline (`3 × requestTimeout`). Then `.unavailable` names every endpoint and why it failed.
/// - A transaction is never re-sent once it may have reached etcd: a timeout or a broken
///   connection after the request was written fails with `.unavailable("… outcome unknown …")`
///   and the caller re-reads to learn what happened. Puts and deletes are re-sent (the end state
///   is the same; only the revision can differ; a final failure still says "outcome unknown"
///   when an attempt may have landed), reads always.
///
/// Plain HTTP/1.1 over SwiftNIO on `MultiThreadedEventLoopGroup.singleton`, with a small pool of
/// keep-alive connections per member.
public final class EtcdClient: Sendable {
    /// The client URLs, in the order given.
    public let endpoints: [String]
    /// The bound on one attempt against one member.
    public let requestTimeout: Duration
    /// The bound on a whole call, failover included.
    public var callTimeout: Duration { requestTimeout * Self.attemptsPerCall }
    static let attemptsPerCall = 3

    /// Pause between rounds over all members while none answers: doubles from the first value
    /// up to the second (an election takes about one election timeout, 1 s by default).
    static let backoffFirst = Duration.milliseconds(25)
    static let backoffMax = Duration.milliseconds(400)

    let members: [EtcdEndpoint]
    let logger: Logger
    let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    let pool = ConnectionPool()

    private struct State {
        /// Index into `members` of the one that answered last.
        var preferred = 0
        var isShutDown = false
        var watches: [Int: Task<Void, Never>] = [:]
        var nextWatchID = 0
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - endpoints: the members' client URLs, like "http://127.0.0.1:2379" (http only).
    ///   - requestTimeout: the bound on one attempt against one member; a call may take up to
    ///     three times this while it fails over.
    /// - Throws: `EtcdConfigurationError` when the list is empty or a URL is not http://HOST:PORT.
    public init(endpoints: [String], requestTimeout: Duration = .seconds(2),
                logger: Logger = Logger(label: "rampart.etcd")) throws {
        guard !endpoints.isEmpty else { throw EtcdConfigurationError.noEndpoints }
        var members: [EtcdEndpoint] = []
        for endpoint in endpoints { members.append(try EtcdEndpoint(endpoint)) }
        self.members = members
        self.endpoints = members.map(\.url)
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    deinit {
        pool.closeAll()
    }

    // MARK: KV

    /// The key's current value, or nil when it does not exist.
    public func get(_ key: String) async throws -> EtcdKeyValue? {
        let request = EtcdWire.RangeRequest(key: EtcdWire.base64(key))
        let reply = try await call("/v3/kv/range", EtcdWire.encode(request), retry: .always, what: "get \(key)")
        let response = try EtcdWire.decode(EtcdWire.RangeResponse.self, reply, what: "a range response")
        return try response.kvs?.first.map(EtcdWire.keyValue)
    }

    /// The keys under `prefix` in key order.
    /// - Parameters:
    ///   - fromKey: start here instead of at the prefix (to page on: the last key returned + "\0").
    ///   - limit: at most this many keys (0: all); `more` says whether some were left out.
    ///   - revision: read the store as it was at this revision (0: now). A compacted revision
    ///     throws `.compacted`.
    public func range(prefix: String, fromKey: String? = nil, limit: Int = 0, revision: Int64 = 0) async throws -> EtcdRangeResult {
        let start = fromKey.map { Array($0.utf8) } ?? EtcdWire.prefixKey(prefix)
        let request = EtcdWire.RangeRequest(key: EtcdWire.base64(start),
                                            rangeEnd: EtcdWire.base64(EtcdWire.prefixRangeEnd(prefix)),
                                            limit: limit > 0 ? String(limit) : nil,
                                            revision: revision > 0 ? String(revision) : nil)
        let reply = try await call("/v3/kv/range", EtcdWire.encode(request), retry: .always,
                                   what: "range \(prefix)*", revision: revision)
        let response = try EtcdWire.decode(EtcdWire.RangeResponse.self, reply, what: "a range response")
        var kvs: [EtcdKeyValue] = []
        for kv in response.kvs ?? [] { kvs.append(try EtcdWire.keyValue(kv)) }
        return EtcdRangeResult(kvs: kvs, revision: try Self.revision(response.header, what: "range"),
                               more: response.more ?? false, count: response.count?.value ?? 0)
    }

    /// Sets the key; returns the revision of the change.
    @discardableResult
    public func put(_ key: String, value: [UInt8]) async throws -> Int64 {
        let request = EtcdWire.PutRequest(key: EtcdWire.base64(key), value: EtcdWire.base64(value))
        let reply = try await call("/v3/kv/put", EtcdWire.encode(request), retry: .alwaysButReportUnknown,
                                   what: "put \(key)")
        let response = try EtcdWire.decode(EtcdWire.HeaderOnlyResponse.self, reply, what: "a put response")
        return try Self.revision(response.header, what: "put")
    }

    /// Deletes the key (nothing happens when it does not exist).
    public func delete(_ key: String) async throws {
        let request = EtcdWire.DeleteRangeRequest(key: EtcdWire.base64(key))
        _ = try await call("/v3/kv/deleterange", EtcdWire.encode(request), retry: .alwaysButReportUnknown,
                           what: "delete \(key)")
    }

    /// Deletes every key under `prefix`; returns how many there were.
    @discardableResult
    public func delete(prefix: String) async throws -> Int64 {
        let request = EtcdWire.DeleteRangeRequest(key: EtcdWire.base64(EtcdWire.prefixKey(prefix)),
                                                  rangeEnd: EtcdWire.base64(EtcdWire.prefixRangeEnd(prefix)))
        let reply = try await call("/v3/kv/deleterange", EtcdWire.encode(request), retry: .alwaysButReportUnknown,
                                   what: "delete \(prefix)*")
        return try EtcdWire.decode(EtcdWire.DeleteRangeResponse.self, reply, what: "a delete response").deleted?.value ?? 0
    }

    /// Runs `success` if every comparison holds, else `failure`, atomically.
    ///
    /// Never re-sent after it may have reached etcd: such a failure is `.unavailable` with
    /// "outcome unknown" (`EtcdError.outcomeUnknown`); re-read to see whether it was applied.
    public func txn(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) async throws -> EtcdTxnResult {
        let request = EtcdWire.TxnRequest(compare: compare.map(Self.wire), success: success.map(Self.wire),
                                          failure: failure.map(Self.wire))
        let writes = (success + failure).contains { if case .put = $0 { true } else if case .delete = $0 { true } else { false } }
        let reply = try await call("/v3/kv/txn", EtcdWire.encode(request), retry: writes ? .onlyIfNotSent : .always,
                                   what: "txn")
        let response = try EtcdWire.decode(EtcdWire.TxnResponse.self, reply, what: "a txn response")
        var ranges: [[EtcdKeyValue]] = []
        for op in response.responses ?? [] {
            guard let range = op.responseRange else { continue }
            var kvs: [EtcdKeyValue] = []
            for kv in range.kvs ?? [] { kvs.append(try EtcdWire.keyValue(kv)) }
            ranges.append(kvs)
        }
        return EtcdTxnResult(succeeded: response.succeeded ?? false, revision: try Self.revision(response.header, what: "txn"),
                             ranges: ranges)
    }

    /// Discards history before `revision` (watches and reads older than it then fail with
    /// `.compacted`). `physical` waits until the space is actually reclaimed.
    public func compact(revision: Int64, physical: Bool = false) async throws {
        struct Compaction: Encodable { var revision: String; var physical: Bool }
        _ = try await call("/v3/kv/compaction", EtcdWire.encode(Compaction(revision: String(revision), physical: physical)),
                           retry: .always, what: "compact to \(revision)")
    }

    // MARK: Cluster

    /// What `endpoint` says about itself. One attempt, bounded by `requestTimeout`; it needs no
    /// quorum, so it answers while the cluster is down (`leaderID` is then nil).
    public func status(of endpoint: String) async throws -> EtcdMemberStatus {
        let member = try EtcdEndpoint(endpoint)
        let reply: HTTPReply
        do {
            reply = try await exchange(member, "/v3/maintenance/status", Array("{}".utf8), requireLeader: false,
                                       timeout: requestTimeout)
        } catch let failure as ExchangeFailure {
            if case .cancelled = failure { throw CancellationError() }
            throw EtcdError.unavailable("\(member): \(failure)")
        }
        guard reply.status == 200 else { throw Self.errorReply(reply).error }
        let response = try EtcdWire.decode(EtcdWire.StatusResponse.self, reply.body, what: "a status response")
        guard let memberID = response.header?.memberID?.value else {
            throw EtcdError.malformedResponse("a status response without header.member_id from \(member)")
        }
        let leader = response.leader?.value ?? 0
        return EtcdMemberStatus(endpoint: member.url, memberID: memberID, leaderID: leader == 0 ? nil : leader,
                                raftTerm: response.raftTerm?.value ?? 0, revision: response.header?.revision?.value ?? 0,
                                errors: response.errors ?? [])
    }

    /// Every endpoint's status (asked concurrently), or why it did not answer, in endpoint order.
    public func memberStatuses() async -> [(endpoint: String, status: Result<EtcdMemberStatus, any Error>)] {
        // One task per endpoint, awaited in order. (A task group of (String, Result) tuples
        // came back corrupted in the release build under Swift 6.3.1 — "No foreign strings",
        // an Array.subscript.modify trap — while the debug build was fine.)
        let asks = endpoints.map { endpoint in
            Task { try await self.status(of: endpoint) }
        }
        var statuses: [(endpoint: String, status: Result<EtcdMemberStatus, any Error>)] = []
        for (endpoint, ask) in zip(endpoints, asks) {
            do {
                statuses.append((endpoint, .success(try await ask.value)))
            } catch {
                statuses.append((endpoint, .failure(error)))
            }
        }
        return statuses
    }

    /// The client URL of the current leader, or nil while there is none (an election, or no
    /// quorum) or the leader is not among `endpoints`. Throws `.unavailable` when no endpoint answers.
    public func leaderEndpoint() async throws -> String? {
        let answers = await memberStatuses()
        let statuses = answers.compactMap { try? $0.status.get() }
        guard !statuses.isEmpty else {
            throw EtcdError.unavailable("no member answered a status request: "
                + answers.map { "\($0.endpoint) (\(Self.reason($0.status)))" }.joined(separator: ", "))
        }
        if let leader = statuses.first(where: \.isLeader) { return leader.endpoint }
        return nil
    }

    /// Whether a linearizable read succeeds, i.e. some member reaches a quorum.
    public func isHealthy() async -> Bool {
        let request = EtcdWire.RangeRequest(key: EtcdWire.base64("health"))
        return (try? await call("/v3/kv/range", EtcdWire.encode(request), retry: .always, what: "health check")) != nil
    }

    /// Closes idle connections and ends every watch; later calls fail with `.unavailable`.
    public func shutdown() async {
        let watches = state.withLock { state in
            state.isShutDown = true
            defer { state.watches = [:] }
            return Array(state.watches.values)
        }
        for watch in watches { watch.cancel() }
        for watch in watches { await watch.value }
        pool.closeAll()
    }

    // MARK: Failover

    /// When a request may be sent again to another member.
    enum RetryPolicy {
        /// Reads: also after an ambiguous failure.
        case always
        /// Puts and deletes: also after an ambiguous failure (the end state is the same), but a
        /// final failure then says the outcome is unknown.
        case alwaysButReportUnknown
        /// Writing transactions: only when etcd cannot have seen the request.
        case onlyIfNotSent
    }

    /// POSTs `body` to `path` on the members in turn until one answers 200 or the call's deadline
    /// passes; returns the answer's body.
    func call(_ path: String, _ body: [UInt8], retry: RetryPolicy, what: String, revision: Int64 = 0) async throws -> [UInt8] {
        let first = try state.withLock { state in
            guard !state.isShutDown else { throw EtcdError.unavailable("\(what): the client has been shut down") }
            return state.preferred
        }
        let deadline = ContinuousClock.now + callTimeout
        var failures = FailureLog()
        var someAttemptAmbiguous = false
        var pause = Self.backoffFirst
        while true {
            for offset in 0..<members.count {
                let index = (first + offset) % members.count
                let member = members[index]
                let remaining = deadline - .now
                guard remaining > .zero else { break }
                let outcome: AttemptOutcome
                do {
                    let reply = try await exchange(member, path, body, requireLeader: true, timeout: min(requestTimeout, remaining))
                    if reply.status == 200 {
                        if offset != 0 { state.withLock { $0.preferred = index } }
                        return reply.body
                    }
                    outcome = Self.classify(reply, revision: revision)
                } catch let failure as ExchangeFailure {
                    switch failure {
                    case .cancelled: throw CancellationError()
                    case .notSent(let why): outcome = .tryElsewhere(why)
                    case .outcomeUnknown(let why): outcome = .ambiguous(why)
                    }
                    pool.drop(member)
                }
                switch outcome {
                case .fatal(let error):
                    throw error
                case .tryElsewhere(let why):
                    failures.note(member, why)
                case .ambiguous(let why):
                    if case .onlyIfNotSent = retry {
                        throw EtcdError.unavailable("\(what) was sent to \(member) but \(why): \(EtcdError.outcomeUnknownMarker); "
                            + "re-read to see whether it was applied")
                    }
                    someAttemptAmbiguous = true
                    failures.note(member, why)
                }
                logger.debug("etcd \(what) failed on \(member), trying the next member", metadata: ["reason": "\(failures.last)"])
            }
            let remaining = deadline - .now
            guard remaining > .zero else {
                var detail = "\(what): no member answered within \(callTimeout) (no quorum, or none reachable); tried \(failures)"
                if case .alwaysButReportUnknown = retry, someAttemptAmbiguous {
                    detail += "; \(EtcdError.outcomeUnknownMarker): an attempt may have been applied, re-read to see"
                }
                throw EtcdError.unavailable(detail)
            }
            try await Task.sleep(for: min(pause, remaining))
            pause = min(pause * 2, Self.backoffMax)
        }
    }

    /// One request to one member over a pooled or new connection, bounded by `timeout`.
    func exchange(_ member: EtcdEndpoint, _ path: String, _ body: [UInt8], requireLeader: Bool,
                  timeout: Duration) async throws -> HTTPReply {
        let start = ContinuousClock.now
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        if let pooled = pool.take(member) {
            do {
                return try await send(on: pooled)
            } catch ExchangeFailure.notSent {
                // The member closed the idle connection under us; a fresh one decides.
            }
        }
        let connection = try await HTTPConnection.connect(to: member, timeout: timeout - (ContinuousClock.now - start), group: group)
        return try await send(on: connection)

        func send(on connection: HTTPConnection) async throws -> HTTPReply {
            do {
                let reply = try await connection.post(path, body: body, requireLeader: requireLeader, deadline: deadline)
                if reply.keepAlive { pool.giveBack(connection) } else { connection.close() }
                return reply
            } catch {
                connection.close()
                throw error
            }
        }
    }

    enum AttemptOutcome {
        /// etcd did not act on the request; another member may.
        case tryElsewhere(String)
        /// etcd may have acted on it.
        case ambiguous(String)
        case fatal(EtcdError)
    }

    /// Messages of etcd errors raised before a request is proposed to raft (or for reads, which
    /// change nothing): another member, or the same one a moment later, may succeed.
    static let retryableMessages = [
        "etcdserver: no leader",
        "etcdserver: leader changed",
        "etcdserver: too many requests",
        "etcdserver: not capable",
        "raft proposal dropped",
    ]

    static func classify(_ reply: HTTPReply, revision: Int64) -> AttemptOutcome {
        let (code, message, error) = errorReply(reply)
        if message.contains("required revision has been compacted") { return .fatal(.compacted(revision: revision)) }
        if retryableMessages.contains(where: message.contains) { return .tryElsewhere(message) }
        // 5xx: etcd timed out ("request timed out"), stopped, or broke; the request may be in raft's log.
        if reply.status >= 500 || code == 14 || code == 4 { return .ambiguous(message) }
        return .fatal(error)
    }

    /// The gRPC code and message of a non-200 answer, and the error it means.
    static func errorReply(_ reply: HTTPReply) -> (code: Int, message: String, error: EtcdError) {
        let decoded = try? EtcdWire.decode(EtcdWire.ErrorReply.self, reply.body, what: "an error")
        if let decoded, let message = decoded.message ?? decoded.error {
            return (decoded.code ?? 0, message, .server(code: decoded.code ?? 0, message: message))
        }
        let message = "HTTP \(reply.status): \(EtcdWire.preview(reply.body))"
        return (0, message, .server(code: 0, message: message))
    }

    static func revision(_ header: EtcdWire.ResponseHeader?, what: String) throws(EtcdError) -> Int64 {
        guard let revision = header?.revision?.value else {
            throw .malformedResponse("a \(what) response without header.revision")
        }
        return revision
    }

    static func reason(_ result: Result<EtcdMemberStatus, any Error>) -> String {
        switch result {
        case .success: "answered"
        case .failure(let error): "\(error)"
        }
    }

    // MARK: Watch bookkeeping

    func register(_ task: Task<Void, Never>) -> Int? {
        state.withLock { state in
            guard !state.isShutDown else { return nil }
            let id = state.nextWatchID
            state.nextWatchID += 1
            state.watches[id] = task
            return id
        }
    }

    func unregister(_ id: Int) {
        _ = state.withLock { $0.watches.removeValue(forKey: id) }
    }

    var preferredIndex: Int { state.withLock { $0.preferred } }

    // MARK: Wire forms of the public enums

    static func wire(_ compare: EtcdCompare) -> EtcdWire.Compare {
        switch compare {
        case .createRevision(let key, let revision):
            EtcdWire.Compare(target: "CREATE", key: EtcdWire.base64(key), createRevision: String(revision))
        case .modRevision(let key, let revision):
            EtcdWire.Compare(target: "MOD", key: EtcdWire.base64(key), modRevision: String(revision))
        case .value(let key, let value):
            EtcdWire.Compare(target: "VALUE", key: EtcdWire.base64(key), value: EtcdWire.base64(value))
        case .version(let key, let version):
            EtcdWire.Compare(target: "VERSION", key: EtcdWire.base64(key), version: String(version))
        }
    }

    static func wire(_ operation: EtcdOperation) -> EtcdWire.RequestOp {
        switch operation {
        case .put(let key, let value):
            EtcdWire.RequestOp(requestPut: EtcdWire.PutRequest(key: EtcdWire.base64(key), value: EtcdWire.base64(value)))
        case .delete(let key):
            EtcdWire.RequestOp(requestDeleteRange: EtcdWire.DeleteRangeRequest(key: EtcdWire.base64(key)))
        case .range(let key):
            EtcdWire.RequestOp(requestRange: EtcdWire.RangeRequest(key: EtcdWire.base64(key)))
        case .rangePrefix(let prefix):
            EtcdWire.RequestOp(requestRange: EtcdWire.RangeRequest(key: EtcdWire.base64(EtcdWire.prefixKey(prefix)),
                                                                   rangeEnd: EtcdWire.base64(EtcdWire.prefixRangeEnd(prefix))))
        }
    }
}

/// The latest failure per member, in the order first tried, for `.unavailable` messages.
struct FailureLog: CustomStringConvertible {
    private var entries: [(member: EtcdEndpoint, why: String)] = []

    mutating func note(_ member: EtcdEndpoint, _ why: String) {
        if let index = entries.firstIndex(where: { $0.member == member }) {
            entries[index].why = why
        } else {
            entries.append((member, why))
        }
    }

    var last: String { entries.last.map { "\($0.member): \($0.why)" } ?? "" }

    var description: String {
        entries.isEmpty ? "nothing (the deadline passed first)"
            : entries.map { "\($0.member) (\($0.why))" }.joined(separator: ", ")
    }
}

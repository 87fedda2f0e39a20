import Foundation
import Logging
import NIOCore

extension EtcdClient {
    /// Events for keys under `prefix` from `startRevision` on (0: from now), in revision order.
    ///
    /// The watch outlives members: when its connection breaks, or its member loses the leader
    /// (etcd cancels "require leader" watches then), it reconnects to the next endpoint and resumes
    /// from the last revision delivered + 1, dropping anything it already delivered, so no
    /// event is lost or repeated. It retries for as long as it runs, with a back-off while no
    /// member accepts it. It ends by throwing `.compacted` when the revision it needs is gone
    /// (re-read, then watch from the read's revision + 1), and ends quietly when the consumer
    /// stops iterating or the client shuts down.
    ///
    /// Events wait in the stream's buffer until read: a consumer that falls behind holds them in
    /// memory (etcd has no flow control over the JSON gateway either).
    public func watch(prefix: String, startRevision: Int64) -> AsyncThrowingStream<EtcdWatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EtcdWatchEvent.self)
        let started = Task {
            await self.runWatch(prefix: prefix, startRevision: startRevision, continuation: continuation)
        }
        guard let id = register(started) else {
            started.cancel()
            continuation.finish(throwing: EtcdError.unavailable("watch \(prefix)*: the client has been shut down"))
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            started.cancel()
            self?.unregister(id)
        }
        return stream
    }

    /// Where a watch stands: the next revision it needs.
    struct WatchCursor {
        /// 0 until the first member tells us "now" (for a watch started at 0).
        var next: Int64
        /// Whether the current connection got as far as etcd's "created" answer.
        var established = false
    }

    private func runWatch(prefix: String, startRevision: Int64,
                          continuation: AsyncThrowingStream<EtcdWatchEvent, any Error>.Continuation) async {
        var cursor = WatchCursor(next: max(startRevision, 0))
        var index = preferredIndex
        var pause = Self.backoffFirst
        var failedInARow = 0
        while !Task.isCancelled {
            let member = members[index % members.count]
            cursor.established = false
            let why: String
            do {
                try await watchOnce(member, prefix: prefix, cursor: &cursor, continuation: continuation)
                why = "the stream ended"
            } catch let error as EtcdError {
                if case .compacted = error {
                    continuation.finish(throwing: error)
                    return
                }
                why = error.description
            } catch is CancellationError {
                break
            } catch {
                if case .cancelled? = error as? ExchangeFailure { break }
                why = "\(error)"
            }
            if Task.isCancelled { break }
            logger.info("etcd watch \(prefix)* on \(member) interrupted; resuming from revision \(cursor.next) on the next member",
                        metadata: ["reason": "\(why)"])
            index += 1
            failedInARow = cursor.established ? 0 : failedInARow + 1
            if failedInARow == 0 { pause = Self.backoffFirst }
            // After a full round of members that refused the watch, wait before the next round.
            if failedInARow > 0, failedInARow % members.count == 0 {
                do { try await Task.sleep(for: pause) } catch { break }
                pause = min(pause * 2, Self.backoffMax)
            }
        }
        continuation.finish()
    }

    /// One watch stream on one member, until it breaks. Delivers events and advances `cursor`.
    private func watchOnce(_ member: EtcdEndpoint, prefix: String, cursor: inout WatchCursor,
                           continuation: AsyncThrowingStream<EtcdWatchEvent, any Error>.Continuation) async throws {
        let connection = try await HTTPConnection.connect(to: member, timeout: requestTimeout, group: group)
        defer { connection.close() }
        let request = EtcdWire.WatchRequest(createRequest: EtcdWire.WatchCreateRequest(
            key: EtcdWire.base64(EtcdWire.prefixKey(prefix)),
            rangeEnd: EtcdWire.base64(EtcdWire.prefixRangeEnd(prefix)),
            startRevision: cursor.next > 0 ? String(cursor.next) : nil))
        let parts = connection.stream("/v3/watch", body: EtcdWire.encode(request), requireLeader: true,
                                      headDeadline: NIODeadline.now() + TimeAmount(requestTimeout))
        var splitter = JSONObjectSplitter()
        var status = 0
        var errorBody: [UInt8] = []
        for try await part in parts {
            switch part {
            case .head(let code):
                status = code
            case .body(let bytes) where status != 200:
                errorBody += bytes.prefix(4096 - errorBody.count)
            case .body(let bytes):
                let objects: [[UInt8]]
                do { objects = try splitter.feed(bytes) } catch { throw EtcdError.malformedResponse("watch stream: \(error)") }
                for object in objects {
                    try deliver(object, from: member, cursor: &cursor, continuation: continuation)
                }
            }
        }
        if status != 200 {
            throw Self.errorReply(HTTPReply(status: status, body: errorBody, keepAlive: false)).error
        }
    }

    /// Handles one `{"result":…}` or `{"error":…}` object of the stream.
    private func deliver(_ object: [UInt8], from member: EtcdEndpoint, cursor: inout WatchCursor,
                         continuation: AsyncThrowingStream<EtcdWatchEvent, any Error>.Continuation) throws {
        let message = try EtcdWire.decode(EtcdWire.WatchMessage.self, object, what: "a watch response")
        if let error = message.error {
            // e.g. "etcdserver: no leader": this member lost its quorum; another may have one.
            throw EtcdError.unavailable("\(member) ended the watch: \(error.message ?? "gRPC code \(error.grpcCode ?? 0)")")
        }
        guard let result = message.result else { return }
        if result.canceled == true {
            if let compacted = result.compactRevision?.value, compacted > 0 { throw EtcdError.compacted(revision: compacted) }
            throw EtcdError.unavailable("\(member) cancelled the watch: \(result.cancelReason ?? "no reason given")")
        }
        if result.created == true {
            cursor.established = true
            // A watch "from now" pins "now" at its first creation, so a reconnection misses nothing.
            if cursor.next == 0 { cursor.next = (result.header?.revision?.value ?? 0) + 1 }
        }
        let floor = cursor.next
        var highest: Int64 = 0
        for event in result.events ?? [] {
            guard let wire = event.kv else { throw EtcdError.malformedResponse("a watch event without kv") }
            let kv = try EtcdWire.keyValue(wire)
            // Events below the cursor were delivered before a reconnection.
            guard kv.modRevision >= floor else { continue }
            if event.type == "DELETE" {
                continuation.yield(.delete(key: kv.key, modRevision: kv.modRevision))
            } else {
                continuation.yield(.put(kv))
            }
            highest = max(highest, kv.modRevision)
        }
        if highest > 0 { cursor.next = highest + 1 }
    }
}

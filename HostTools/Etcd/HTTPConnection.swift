import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An etcd client URL ("http://127.0.0.1:2379"), parsed once. Plain HTTP only: the cluster's
/// members listen on loopback or a private network (TLS would need swift-nio-ssl).
struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    let url: String
    let host: String
    let port: Int

    init(_ text: String) throws(EtcdConfigurationError) {
        var rest = Substring(text)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard rest.hasPrefix("http://") else {
            throw .invalidEndpoint(text, "only http:// client URLs are supported (no TLS), like http://127.0.0.1:2379")
        }
        let authority = rest.dropFirst("http://".count)
        guard !authority.contains("/"), let colon = authority.lastIndex(of: ":"),
              let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalidEndpoint(text, "expected http://HOST:PORT with an explicit port, like http://127.0.0.1:2379")
        }
        var host = String(authority[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidEndpoint(text, "the host is missing") }
        self.url = String(rest)
        self.host = host
        self.port = port
    }

    var description: String { url }
}

/// A bad `EtcdClient` configuration (thrown by its initialiser, never by a call).
public enum EtcdConfigurationError: Error, CustomStringConvertible, Sendable {
    case noEndpoints
    case invalidEndpoint(String, String)

    public var description: String {
        switch self {
        case .noEndpoints: "no etcd endpoints given: pass the cluster's client URLs, like http://127.0.0.1:2379"
        case .invalidEndpoint(let endpoint, let why): "invalid etcd endpoint \"\(endpoint)\": \(why)"
        }
    }
}

/// A complete HTTP answer.
struct HTTPReply: Sendable {
    let status: Int
    let body: [UInt8]
    /// Whether the connection may carry another request.
    let keepAlive: Bool
}

/// One piece of a streamed answer.
enum HTTPStreamPart: Sendable {
    case head(status: Int)
    case body([UInt8])
}

/// How an exchange failed, and — what matters for a write — whether etcd can have acted on it.
enum ExchangeFailure: Error, CustomStringConvertible {
    /// The request never fully left this process (connect or write failed): etcd did nothing.
    case notSent(String)
    /// The request was written, then the connection failed or the deadline passed before the
    /// answer: etcd may or may not have applied it.
    case outcomeUnknown(String)
    case cancelled

    var description: String {
        switch self {
        case .notSent(let why), .outcomeUnknown(let why): why
        case .cancelled: "cancelled"
        }
    }
}

/// One keep-alive HTTP/1.1 connection to one member, carrying one request at a time.
///
/// State lives in `ExchangeHandler` on the channel's event loop; this class only hands work
/// to it, so it is `Sendable` without locks.
final class HTTPConnection: Sendable {
    /// Largest body accepted for a unary answer. Big ranges should be paged with `limit`.
    static let maxReplyBytes = 64 << 20

    let endpoint: EtcdEndpoint
    private let channel: any Channel
    private let handler: NIOLoopBound<ExchangeHandler>

    private init(endpoint: EtcdEndpoint, channel: any Channel, handler: NIOLoopBound<ExchangeHandler>) {
        self.endpoint = endpoint
        self.channel = channel
        self.handler = handler
    }

    /// Connects within `timeout`. Failures are `.notSent`.
    static func connect(to endpoint: EtcdEndpoint, timeout: Duration, group: any EventLoopGroup) async throws -> HTTPConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(max(timeout, .milliseconds(1))))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // A member that vanishes without a FIN (power loss, partition) is noticed by TCP
            // keep-alive on idle watch connections.
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler(endpoint: endpoint))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw ExchangeFailure.notSent("cannot connect: \(describe(error))")
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ExchangeHandler.self), eventLoop: channel.eventLoop)
            }.get()
            return HTTPConnection(endpoint: endpoint, channel: channel, handler: handler)
        } catch {
            channel.close(promise: nil)
            throw ExchangeFailure.notSent("connection closed at once: \(describe(error))")
        }
    }

    /// Whether a pooled connection still looks usable (the member has not closed it).
    var isActive: Bool { channel.isActive }

    /// POSTs `body` (JSON) to `path` and waits for the whole answer until `deadline`.
    /// `requireLeader` asks etcd to refuse at once, with "etcdserver: no leader", when the
    /// member knows no leader — instead of holding the request until its own timeout.
    func post(_ path: String, body: [UInt8], requireLeader: Bool, deadline: NIODeadline) async throws -> HTTPReply {
        let promise = channel.eventLoop.makePromise(of: HTTPReply.self)
        let request = Self.request(path, endpoint: endpoint, body: body, requireLeader: requireLeader,
                                   allocator: channel.allocator)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.start(request.head, body: request.body, consumer: .reply(promise), deadline: deadline)
        }
        let eventLoop = channel.eventLoop
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { handler.value.cancel() }
        }
    }

    /// POSTs `body` to `path` and streams the answer: `.head` first, then body pieces as they
    /// come. `headDeadline` bounds the wait for the head only; the stream itself may stay quiet
    /// forever (a watch with nothing to report). Ending the iteration closes the connection.
    func stream(_ path: String, body: [UInt8], requireLeader: Bool, headDeadline: NIODeadline)
        -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: HTTPStreamPart.self)
        let request = Self.request(path, endpoint: endpoint, body: body, requireLeader: requireLeader,
                                   allocator: channel.allocator)
        let handler = self.handler
        let channel = self.channel
        continuation.onTermination = { _ in channel.close(promise: nil) }
        channel.eventLoop.execute {
            handler.value.start(request.head, body: request.body, consumer: .stream(continuation), deadline: headDeadline)
        }
        return stream
    }

    func close() {
        channel.close(promise: nil)
    }

    private static func request(_ path: String, endpoint: EtcdEndpoint, body: [UInt8], requireLeader: Bool,
                                allocator: ByteBufferAllocator) -> (head: HTTPRequestHead, body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "User-Agent", value: "rampart-etcd")
        // grpc-gateway passes Grpc-Metadata-* headers on as gRPC metadata; "hasleader: true" is
        // what etcd's clientv3.WithRequireLeader sends.
        if requireLeader { headers.add(name: "Grpc-Metadata-hasleader", value: "true") }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        return (head, allocator.buffer(bytes: body))
    }
}

/// The per-connection state machine: one request in flight, its deadline, and where the answer
/// goes. Runs on the channel's event loop only.
final class ExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    enum Consumer {
        case reply(EventLoopPromise<HTTPReply>)
        case stream(AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation)
    }

    private let endpoint: EtcdEndpoint
    private var context: ChannelHandlerContext?
    private var consumer: Consumer?
    /// The whole request reached the socket: from here on a failure leaves the outcome unknown.
    private var written = false
    private var status = 0
    private var keepAlive = true
    private var body: [UInt8] = []
    private var timeout: Scheduled<Void>?

    init(endpoint: EtcdEndpoint) {
        self.endpoint = endpoint
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        fail(closedError())
    }

    func start(_ head: HTTPRequestHead, body: ByteBuffer, consumer: Consumer, deadline: NIODeadline) {
        guard let context, context.channel.isActive, self.consumer == nil else {
            Self.fail(consumer, with: .notSent("the connection to \(endpoint) is closed"))
            return
        }
        self.consumer = consumer
        written = false
        status = 0
        keepAlive = true
        self.body.removeAll()
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timedOut()
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: flushed)
        flushed.futureResult.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success:
                written = true
            case .failure(let error):
                fail(.notSent("cannot send to \(endpoint): \(describe(error))"))
                context.close(promise: nil)
            }
        }
    }

    func cancel() {
        guard consumer != nil else { return }
        fail(.cancelled)
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            if case .stream(let continuation) = consumer {
                // A stream's deadline covers the wait for its head only.
                timeout?.cancel()
                timeout = nil
                continuation.yield(.head(status: status))
            }
        case .body(var buffer):
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            switch consumer {
            case .reply:
                body += bytes
                if body.count > HTTPConnection.maxReplyBytes {
                    fail(.outcomeUnknown("the answer from \(endpoint) exceeds \(HTTPConnection.maxReplyBytes) bytes; page the range with a limit"))
                    context.close(promise: nil)
                }
            case .stream(let continuation):
                continuation.yield(.body(bytes))
            case nil:
                break
            }
        case .end:
            timeout?.cancel()
            timeout = nil
            let finished = consumer
            consumer = nil
            switch finished {
            case .reply(let promise):
                promise.succeed(HTTPReply(status: status, body: body, keepAlive: keepAlive))
                body = []
            case .stream(let continuation):
                continuation.finish()
            case nil:
                break
            }
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(closedError())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let why = "connection to \(endpoint) failed: \(describe(error))"
        fail(written ? .outcomeUnknown(why) : .notSent(why))
        context.close(promise: nil)
    }

    private func closedError() -> ExchangeFailure {
        let why = "\(endpoint) closed the connection before answering"
        return written ? .outcomeUnknown(why) : .notSent(why)
    }

    private func timedOut() {
        timeout = nil
        guard consumer != nil else { return }
        let why = "no answer from \(endpoint) in time"
        fail(written ? .outcomeUnknown(why) : .notSent(why))
        context?.close(promise: nil)
    }

    private func fail(_ failure: ExchangeFailure) {
        timeout?.cancel()
        timeout = nil
        let failed = consumer
        consumer = nil
        Self.fail(failed, with: failure)
    }

    private static func fail(_ consumer: Consumer?, with failure: ExchangeFailure) {
        switch consumer {
        case .reply(let promise): promise.fail(failure)
        case .stream(let continuation): continuation.finish(throwing: failure)
        case nil: break
        }
    }
}

/// A short description of a NIO error ("connection refused", not the whole error tree).
func describe(_ error: any Error) -> String {
    if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
        return describe(first.error)
    }
    if let io = error as? IOError {
        return String(cString: strerror(io.errnoCode)).lowercased()
    }
    if let channel = error as? ChannelError {
        switch channel {
        case .connectTimeout(let amount): return "connect timed out after \(amount.nanoseconds / 1_000_000) ms"
        case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof: return "connection closed"
        default: return "\(channel)"
        }
    }
    return "\(error)"
}

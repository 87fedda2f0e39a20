import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request as the admin API and the metrics endpoint see it: the whole body,
/// already bounded.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query string.
    public var path: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, path: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct HTTPReply: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, contentType: String = "application/json", headers: [(String, String)] = [],
                body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}

/// Answers a request; the future completes on `eventLoop`.
typealias HTTPResponder = @Sendable (HTTPRequest, EventLoop) -> EventLoopFuture<HTTPReply>

/// A small HTTP/1.1 server for the loopback endpoints: one request per connection
/// (`Connection: close`), bodies bounded, idle connections closed. Enough for `rampart action`
/// and a Prometheus scraper; nothing here is on the datagram path.
enum HTTPEndpoint {
    /// A connection that sends nothing for this long is closed (slow clients hold no slot).
    static let idleTimeout = TimeAmount.seconds(10)

    static func bind(
        _ address: ListenAddress, name: String, group: MultiThreadedEventLoopGroup, maxBodyBytes: Int,
        logger: Logger, responder: @escaping HTTPResponder
    ) async throws -> Channel {
        let socketAddress = try address.socketAddress()
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                        try sync.addHandler(HTTPRequestHandler(maxBodyBytes: maxBodyBytes, logger: logger,
                                                               responder: responder))
                    }
                }
                .bind(to: socketAddress).get()
        } catch {
            throw GatewayServerError.bindFailed(endpoint: name, address: address.description, reason: "\(error)")
        }
    }
}

/// Collects one request (head, body up to `maxBodyBytes`, end), asks the responder, writes
/// the reply and closes.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let maxBodyBytes: Int
    private let logger: Logger
    private let responder: HTTPResponder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var answered = false

    init(maxBodyBytes: Int, logger: Logger, responder: @escaping HTTPResponder) {
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                tooLarge = true
            }
        case .body(var chunk):
            guard !tooLarge else { return }
            if body.count + chunk.readableBytes > maxBodyBytes {
                tooLarge = true
                body = []
            } else {
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
        case .end:
            guard let head else { return }
            answered = true
            if tooLarge {
                write(HTTPReply(status: .payloadTooLarge,
                                body: jsonError("request body larger than \(maxBodyBytes) bytes")),
                      version: head.version, context: context)
                return
            }
            let path = String(head.uri.prefix { $0 != "?" })
            let request = HTTPRequest(method: head.method, path: path, headers: head.headers, body: body)
            let logger = self.logger
            responder(request, context.eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let reply):
                    self.write(reply, version: head.version, context: context)
                case .failure(let error):
                    logger.error("HTTP handler failed", metadata: ["path": "\(path)", "error": "\(error)"])
                    self.write(HTTPReply(status: .internalServerError, body: jsonError("internal error: \(error)")),
                               version: head.version, context: context)
                }
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func write(_ reply: HTTPReply, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: String(reply.body.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: reply.status, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: reply.body)))),
                      promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// `{"error": "…"}` as bytes.
func jsonError(_ message: String) -> [UInt8] {
    let encoded = (try? JSONEncoder().encode(["error": message])) ?? Data(#"{"error":"?"}"#.utf8)
    return Array(encoded) + [0x0A]
}

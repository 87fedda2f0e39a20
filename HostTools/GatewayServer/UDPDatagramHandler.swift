import Logging
import NIOCore
import RampartGateway

/// CoAP over UDP (RFC 7252 §3): one datagram in, at most one datagram back to its sender.
///
/// The engine runs synchronously on the event loop that read the datagram: it is CPU-only and
/// thread-safe, and a hop to another thread would cost more than most requests. Replies are
/// flushed once per read burst (`channelReadComplete`), so a `recvmmsg` batch is answered with
/// few `sendmsg` calls.
final class UDPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let service: any DatagramService
    private let maxDatagramBytes: Int
    private let events: EventBus
    private let metrics: GatewayMetrics
    private let logger: Logger
    private var flushPending = false

    init(service: any DatagramService, maxDatagramBytes: Int, events: EventBus, metrics: GatewayMetrics, logger: Logger) {
        self.service = service
        self.maxDatagramBytes = maxDatagramBytes
        self.events = events
        self.metrics = metrics
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let source = envelope.remoteAddress.udpPeer
        metrics.received(on: .udp)
        // The receive buffer holds one byte more than the limit, so a longer datagram shows
        // up here longer than the limit even though the kernel truncated it.
        guard envelope.data.readableBytes <= maxDatagramBytes else {
            events.publish(GatewayEvent(.datagramDropped(source: source, reason: .oversized)))
            return
        }
        let request = Array(envelope.data.readableBytesView)
        let answer = service.handle(request, from: source)
        sendOutbound(context: context)
        guard let reply = answer else { return }
        // A full socket buffer means the peer (or the host) cannot keep up: drop rather than
        // queue without bound. CoAP retransmits.
        guard context.channel.isWritable else {
            metrics.replyDropped(on: .udp)
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: reply)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        flushPending = true
    }

    /// Datagrams the engine sends on its own: CoAP pings to the address a device's session
    /// just left (`GatewayEngine.takeOutbound`).
    private func sendOutbound(context: ChannelHandlerContext) {
        for datagram in service.takeOutbound() {
            guard case .udp(let host, let port) = datagram.destination,
                  let address = try? SocketAddress(ipAddress: host, port: port),
                  context.channel.isWritable else { continue }
            let buffer = context.channel.allocator.buffer(bytes: datagram.bytes)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
            flushPending = true
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if flushPending {
            flushPending = false
            context.flush()
        }
    }

    /// A UDP socket reports send failures (e.g. ICMP port unreachable) as errors; none of
    /// them is a reason to stop serving other peers.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("UDP socket error (ignored)", metadata: ["error": "\(error)"])
    }
}

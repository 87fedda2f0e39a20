import Logging
import NIOCore
import RampartGateway
import RampartProtocol

/// Framed CoAP over a serial line (DESIGN.md §1, `Firmware/Protocol/Framing`): bytes in are
/// fed to the streaming COBS + CRC-32 decoder, which resynchronises at the next delimiter
/// after noise; each good frame is one CoAP message for the engine, and its answer goes back
/// as one frame.
final class SerialFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let path: String
    private let service: any DatagramService
    private let maxDatagramBytes: Int
    private let events: EventBus
    private let metrics: GatewayMetrics
    private let logger: Logger
    private var decoder = SerialFrameDecoder512()
    /// The decoder's drop counters at the last read, to report increments.
    private var reportedDrops = (checksum: UInt32(0), malformed: UInt32(0), oversized: UInt32(0))

    init(path: String, service: any DatagramService, maxDatagramBytes: Int, events: EventBus, metrics: GatewayMetrics,
         logger: Logger) {
        self.path = path
        self.service = service
        self.maxDatagramBytes = maxDatagramBytes
        self.events = events
        self.metrics = metrics
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        var frames: [[UInt8]] = []
        decoder.feed(bytes.span) { payload in
            frames.append((0..<payload.count).map { payload[$0] })
        }
        reportDrops()
        let source = PeerAddress.serial(path: path)
        var wrote = false
        for frame in frames {
            metrics.received(on: .serial)
            // The same bound as for UDP, when it is set below the frame capacity.
            guard frame.count <= maxDatagramBytes else {
                events.publish(GatewayEvent(.datagramDropped(source: source, reason: .oversized)))
                continue
            }
            guard let reply = service.handle(frame, from: source) else { continue }
            guard let wire = Self.frame(reply) else {
                logger.warning("reply too long for a serial frame; dropped",
                               metadata: ["port": "\(path)", "bytes": "\(reply.count)"])
                continue
            }
            guard context.channel.isWritable else {
                metrics.replyDropped(on: .serial)
                continue
            }
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: wire)), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("serial port error; closing it", metadata: ["port": "\(path)", "error": "\(error)"])
        context.close(promise: nil)
    }

    /// Adds what the decoder dropped since the last read to the metrics.
    private func reportDrops() {
        let now = (checksum: decoder.checksumMismatchCount, malformed: decoder.malformedFrameCount,
                   oversized: decoder.oversizedFrameCount)
        metrics.serialFramesDropped(.checksum, count: Int(now.checksum &- reportedDrops.checksum))
        metrics.serialFramesDropped(.malformed, count: Int(now.malformed &- reportedDrops.malformed))
        metrics.serialFramesDropped(.oversized, count: Int(now.oversized &- reportedDrops.oversized))
        reportedDrops = now
    }

    /// `payload` as one frame on the wire, or nil if it is longer than a frame carries.
    static func frame(_ payload: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: SerialFraming.maxFrameByteCount)
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int? in
            var writer = ByteWriter(buffer.mutableSpan)
            do {
                try payload.withUnsafeBufferPointer { p throws(SerialFramingError) in
                    try SerialFrameEncoder.encode(p.span, into: &writer)
                }
            } catch {
                return nil
            }
            return writer.count
        }
        guard let written else { return nil }
        return Array(out[0..<written])
    }
}

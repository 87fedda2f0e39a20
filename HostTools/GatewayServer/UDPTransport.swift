import Logging
import NIOCore
import NIOPosix
import RampartGateway

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The UDP listener: one socket per event loop, all bound to the same address with
/// SO_REUSEPORT, so the kernel spreads peers over the cores (by the hash of their address)
/// and each core reads, decrypts and answers its share without any cross-thread hand-off.
/// Linux only lets sockets of the same user share a port this way, and would let a second
/// gateway of that user share it too — so the port is first bound once without SO_REUSEPORT
/// to find out whether anyone else holds it.
enum UDPTransport {
    /// Datagrams read per `recvmmsg` call.
    static let datagramsPerRead = 32
    /// Kernel receive buffer asked for (capped by net.core.rmem_max): room for bursts.
    static let receiveBufferBytes = 4 << 20
    /// Replies queued per socket before more are dropped.
    static let writeBufferHighWaterMark = 1 << 20

    /// Binds `count` sockets to `address` and returns them (the first one's local address
    /// is the one to report: with port 0 the others reuse the port it got).
    static func bind(
        _ address: ListenAddress, count: Int, group: MultiThreadedEventLoopGroup,
        service: any DatagramService, maxDatagramBytes: Int, events: EventBus, metrics: GatewayMetrics, logger: Logger
    ) async throws -> [Channel] {
        var socketAddress = try address.socketAddress()
        var channels: [Channel] = []
        do {
            if socketAddress.port != 0 {
                // Fails with EADDRINUSE if another process (e.g. a second gateway) has the port.
                try await DatagramBootstrap(group: group).bind(to: socketAddress).get().close()
            }
            for index in 0..<max(1, count) {
                let channel = try await bootstrap(group: group, service: service, maxDatagramBytes: maxDatagramBytes,
                                                  events: events, metrics: metrics, logger: logger)
                    .bind(to: socketAddress).get()
                channels.append(channel)
                if index == 0, let port = channel.localAddress?.port { socketAddress.port = port }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw GatewayServerError.bindFailed(endpoint: "CoAP/UDP transport", address: address.description,
                                                reason: "\(error)")
        }
        return channels
    }

    private static func bootstrap(
        group: MultiThreadedEventLoopGroup, service: any DatagramService, maxDatagramBytes: Int,
        events: EventBus, metrics: GatewayMetrics, logger: Logger
    ) -> DatagramBootstrap {
        // Each slot of the vector read holds one byte more than the limit (see
        // UDPDatagramHandler); the allocator's buffer is divided evenly between the slots.
        let slotBytes = max(1, maxDatagramBytes) + 1
        return DatagramBootstrap(group: group)
            .channelOption(.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: receiveBufferBytes)
            .channelOption(.datagramVectorReadMessageCount, value: datagramsPerRead)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: slotBytes * datagramsPerRead))
            .channelOption(.writeBufferWaterMark, value: .init(low: writeBufferHighWaterMark / 2, high: writeBufferHighWaterMark))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UDPDatagramHandler(service: service, maxDatagramBytes: maxDatagramBytes, events: events,
                                           metrics: metrics, logger: logger))
                }
            }
    }
}

import NIOCore

/// One UDP socket's inbound side: hands each datagram from the gateway to the device it
/// answers. With one device per socket (the usual case) that is the device; devices that
/// share a socket are asked in turn whether the datagram answers their request in flight
/// (Message ID and token), and the first one that says yes gets it.
final class FleetSocketHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let devices: [SimulatedDevice]

    init(devices: [SimulatedDevice]) {
        precondition(!devices.isEmpty, "a socket without devices")
        self.devices = devices
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let datagram = Array(envelope.data.readableBytesView)
        guard devices.count > 1 else {
            devices[0].receive(datagram)
            return
        }
        // Nobody expecting it: the first device counts it as unmatched.
        let target = devices.first { $0.isExpecting(datagram) } ?? devices[0]
        target.receive(datagram)
    }

    /// ICMP errors (the gateway not listening) arrive here; they are counted, and the
    /// devices' CoAP retransmissions and back-off carry on.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        devices[0].noteSocketError()
    }
}

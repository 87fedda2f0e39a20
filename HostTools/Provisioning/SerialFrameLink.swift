import RampartCrypto
import RampartGatewayServer
import RampartProtocol

#if canImport(Glibc)
import Glibc
#endif

/// One board's UART as a sequence of frame payloads (docs/provisioning.md "Link": the serial
/// framing of CoAP over UART). Blocking calls with deadlines: provisioning is one exchange at
/// a time, so a thread that waits is simpler than an event loop and no less correct.
///
/// Owns its descriptor and closes it in `deinit`.
public final class SerialFrameLink {
    /// The port, for messages.
    public let path: String
    let descriptor: Int32
    private var decoder = SerialFrameDecoder512()
    /// Frames decoded from a read but not yet returned (one read may end several).
    private var pending: [[UInt8]] = []
    /// Bytes read per `read(2)`.
    static let readChunkByteCount = 1024

    /// Opens `path` raw at `baudRate` (`SerialPort.open`, as the gateway opens its ports).
    public convenience init(path: String, baudRate: Int) throws(ProvisioningError) {
        let descriptor: Int32
        do {
            descriptor = try SerialPort.open(path: path, baudRate: baudRate)
        } catch {
            let code = errno
            var reason = switch error {
            case .serialPort(_, let why): why
            default: "\(error)"
            }
            if code == EBUSY {
                reason += " — another program has it open; if `rampart gateway` serves this port, stop it or drop the "
                    + "port from its --serial list while provisioning"
            }
            throw .serialPort(path: path, reason: reason)
        }
        self.init(path: path, descriptor: descriptor)
    }

    /// Takes ownership of an open, non-blocking descriptor.
    public init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { _ = close(descriptor) }

    /// Frames `payload` and writes the whole frame. The frame buffer is wiped afterwards:
    /// a `hello` carries the key-generation seed.
    public func send(_ payload: Span<UInt8>) throws(ProvisioningError) {
        var frame = [UInt8](repeating: 0, count: SerialFraming.maxFrameByteCount)
        defer { Self.wipe(&frame) }
        var count = 0
        do {
            var writer = ByteWriter(frame.mutableSpan)
            try SerialFrameEncoder.encode(payload, into: &writer)
            count = writer.count
        } catch {
            throw .serialPort(path: path, reason: "a \(payload.count)-byte message does not fit a serial frame (\(error))")
        }
        var offset = 0
        while offset < count {
            let written = frame.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EAGAIN || errno == EINTR) {
                var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, 100)
            } else {
                throw .serialPort(path: path, reason: "write failed: \(Self.errnoText()) (was the board unplugged?)")
            }
        }
    }

    /// The next good frame's payload, or nil if none arrived before `deadline`. Frames the
    /// decoder drops (noise, CRC mismatch) are skipped silently.
    public func receive(before deadline: ContinuousClock.Instant) throws(ProvisioningError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Self.readChunkByteCount)
        while pending.isEmpty {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Self.milliseconds(remaining))
            if ready < 0 {
                if errno == EINTR { continue }
                throw .serialPort(path: path, reason: "poll failed: \(Self.errnoText())")
            }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            guard count > 0 else {
                // EIO on a tty (or end of file): the other side hung up.
                throw .serialPort(path: path, reason: "the port closed (\(count == 0 ? "end of file" : Self.errnoText())); "
                                  + "was the board unplugged or reset by its probe?")
            }
            var frames: [[UInt8]] = []
            decoder.feed(buffer.span.extracting(0..<count)) { payload in
                frames.append((0..<payload.count).map { payload[$0] })
            }
            pending += frames
        }
        return pending.removeFirst()
    }

    /// Drops whatever the board sent before now (answers to an abandoned exchange, CoAP).
    public func discardInput() {
        _ = tcflush(descriptor, TCIFLUSH)
        pending.removeAll()
    }

    /// `duration` rounded up to whole milliseconds for `poll(2)`, at least 1.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(1, total))
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Zeroes a buffer that held a secret (the hello's seed).
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { secureZero($0) }
    }
}

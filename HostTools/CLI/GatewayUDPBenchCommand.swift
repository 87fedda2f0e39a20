import ArgumentParser
import Foundation
import Logging
import NIOCore
import RampartGateway
import RampartGatewayBench
import RampartGatewayServer
import RampartHostCrypto
import RampartProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `rampart bench gateway-udp`: OSCORE requests per second through the gateway's UDP
/// transport (SwiftNIO), with a load generator in the same process on its own thread.
struct GatewayUDPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-udp",
        abstract: "OSCORE requests per second and latency through the gateway's UDP transport.",
        discussion: """
            Starts the gateway service on 127.0.0.1 (two event loops), connects --devices devices \
            (handshakes in-process), protects --requests telemetry requests in advance, then sends \
            them from --sockets UDP sockets, at most --window in flight per socket, and times each \
            reply. The generator shares the machine's cores with the gateway, so on a 2-core \
            machine the figure is a lower bound of what the gateway serves. Keys: \
            oscore_udp_requests_per_s, oscore_udp_p50_ms, oscore_udp_p99_ms, oscore_udp_unmatched (requests whose reply was not matched: lost, or its Message ID and token collided with another in flight).
            Repeat: rampart bench gateway-udp --json
            """)

    @Option(help: "Connected devices.") var devices = 10_000
    @Option(help: "Requests in all.") var requests = 300_000
    @Option(help: "UDP sockets of the load generator.") var sockets = 16
    @Option(help: "Requests in flight per socket.") var window = 8
    @Flag(help: "Print one flat JSON object.") var json = false

    func run() async throws {
        guard devices > 0, requests >= devices, sockets > 0, window > 0 else {
            throw ValidationError("need --devices > 0, --requests >= --devices, --sockets > 0, --window > 0")
        }
        let crypto = try HostCrypto()
        var identities: [ClientIdentity] = []
        for index in 0..<devices {
            identities.append(try ClientIdentity.make(suite: .suite0, kid: GatewayBenchmark.kid(0x50, index), crypto: crypto))
        }
        let (engine, credentials) = try GatewayBenchmark.engine(devices: identities)
        var configuration = GatewayConfiguration()
        configuration.udpListen = "127.0.0.1:0"
        configuration.adminListen = ""
        configuration.metricsListen = ""
        var options = GatewayServerOptions()
        options.eventLoopThreads = 2
        options.notifySystemd = false
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let events = EventBus()
        let server = try await GatewayServer.start(configuration: configuration, engine: engine, events: events,
                                                   adminToken: nil, logger: quiet, options: options)
        FileHandle.standardError.write(Data("bench gateway-udp: connecting \(devices) devices, protecting \(requests) requests\n".utf8))
        var perDevice = Array(repeating: [[UInt8]](), count: devices)
        for (index, identity) in identities.enumerated() {
            var client = try EngineClient(identity: identity, gatewayCredential: credentials[0]!)
            let source = PeerAddress.udp(host: "127.0.0.1", port: 1)
            var context = try client.handshake { engine.handle($0, from: source) }
            let share = requests / devices + (index < requests % devices ? 1 : 0)
            for reading in 0..<share { perDevice[index].append(try client.telemetryRequest(&context, reading: UInt32(reading))) }
            context.wipe()
        }
        let port = server.udpAddress!.port!
        FileHandle.standardError.write(Data("bench gateway-udp: sending from \(sockets) sockets, window \(window)\n".utf8))
        let result = try LoadGenerator(port: port, sockets: sockets, window: window).run(perDevice)
        await server.shutdown()
        let figures: [(String, Double?)] = [
            ("oscore_udp_requests_per_s", Double(result.completed) / result.seconds),
            ("oscore_udp_p50_ms", GatewayBenchmark.percentile(result.latencies, 0.5)),
            ("oscore_udp_p99_ms", GatewayBenchmark.percentile(result.latencies, 0.99)),
            ("oscore_udp_accepted", Double(result.accepted)),
            ("oscore_udp_unmatched", Double(result.lost)),
            ("oscore_udp_devices", Double(devices)),
        ]
        let extra = [("transport", "udp-loopback"), ("cores", String(ProcessInfo.processInfo.activeProcessorCount))]
        if json {
            print(GatewayBenchmark.json(figures.map { (key: $0.0, value: $0.1) }, extra: extra))
        } else {
            for (key, value) in figures { print("\(key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(value.map { String(format: "%.4f", $0) } ?? "n/a")") }
        }
    }
}

/// A closed-loop UDP sender: each socket keeps `window` requests in flight, devices spread
/// over the sockets round-robin, each device's requests in order.
struct LoadGenerator {
    let port: Int
    let sockets: Int
    let window: Int

    struct Result { var completed = 0; var accepted = 0; var lost = 0; var seconds = 0.0; var latencies: [Double] = [] }

    func run(_ perDevice: [[[UInt8]]]) throws -> Result {
        var descriptors: [Int32] = []
        defer { for d in descriptors { close(d) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var queues = Array(repeating: [[UInt8]](), count: sockets)
        let rounds = perDevice.map(\.count).max() ?? 0
        for round in 0..<rounds {
            for (device, requests) in perDevice.enumerated() where round < requests.count {
                queues[device % sockets].append(requests[round])
            }
        }
        for _ in 0..<sockets {
            let d = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard d >= 0 else { throw ValidationError("socket: errno \(errno)") }
            var size: Int32 = 4 << 20
            setsockopt(d, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK)
            descriptors.append(d)
        }
        var result = Result()
        result.latencies.reserveCapacity(queues.reduce(0) { $0 + $1.count })
        var next = Array(repeating: 0, count: sockets)
        var inFlight = Array(repeating: [UInt64: Double](), count: sockets)
        let total = queues.reduce(0) { $0 + $1.count }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let start = Self.now()
        var lastSweep = start
        // Until every request was sent and nothing is in flight (a reply whose key collided
        // with another in-flight request's is counted as lost, never waited for).
        while next.enumerated().contains(where: { $0.element < queues[$0.offset].count }) || inFlight.contains(where: { !$0.isEmpty }) {
            var progressed = false
            for s in 0..<sockets {
                while inFlight[s].count < window && next[s] < queues[s].count {
                    let request = queues[s][next[s]]
                    let sent = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(descriptors[s], request, request.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                    guard sent == request.count else { break }
                    inFlight[s][Self.key(request)] = Self.now()
                    next[s] += 1
                    progressed = true
                }
                while true {
                    let n = recv(descriptors[s], &buffer, buffer.count, 0)
                    guard n >= 4 else { break }
                    progressed = true
                    if let sent = inFlight[s].removeValue(forKey: Self.key(Array(buffer[0..<n]))) {
                        result.latencies.append((Self.now() - sent) * 1000)
                        result.completed += 1
                        if buffer[1] == CoAPCode.changed.rawValue { result.accepted += 1 }
                    }
                }
            }
            let now = Self.now()
            if now - lastSweep > 0.1 {
                lastSweep = now
                for s in 0..<sockets {
                    let stale = inFlight[s].filter { now - $0.value > 1.0 }.map(\.key)
                    for key in stale { inFlight[s].removeValue(forKey: key) }
                }
            }
            if !progressed {
                var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                _ = poll(&fds, nfds_t(fds.count), 1)
            }
        }
        result.seconds = Self.now() - start
        result.lost = total - result.completed
        result.latencies.sort()
        return result
    }

    /// Message ID and token of a request or its reply (a piggybacked ACK echoes both).
    static func key(_ message: [UInt8]) -> UInt64 {
        let tokenLength = Int(message[0] & 0x0F)
        var key = UInt64(message[2]) << 8 | UInt64(message[3])
        for i in 0..<min(tokenLength, 6) where 4 + i < message.count { key = key << 8 | UInt64(message[4 + i]) }
        return key
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

import Foundation
import NIOCore
import NIOPosix
import RampartHostCrypto
import RampartProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `rampart sim`: N simulated devices in one process, over CoAP/UDP, against a gateway.
///
/// Sockets: one UDP socket per device, up to `maxSockets` (and what the open-file limit
/// allows), so the gateway sees each device as its own source — as it would see real ones,
/// with their own rate limits and Echo state. Past the cap, devices share sockets round
/// robin, and each socket hands a datagram to the device whose request it answers
/// (`FleetSocketHandler`); devices that share a socket also share a source address at the
/// gateway, and its per-source limits then apply to them together.
///
/// Threads: a SwiftNIO event-loop group; each socket and its devices live on one loop, each
/// device with one timer at the time it asked to be woken.
public enum Simulator {
    /// File descriptors left for everything else when sizing the socket count.
    static let reservedDescriptors = 64

    /// Runs the fleet for `options.durationSeconds` and returns the summary. `progress` is
    /// called every `progressIntervalSeconds` (not at all when nil).
    public static func run(_ options: SimulatorOptions, progressIntervalSeconds: Double = 5,
                           progress: (@Sendable (SimulationProgress) -> Void)? = nil) async throws -> SimulationSummary {
        try options.validate()
        let crypto = try HostCrypto()
        let gatewayCredential: EDHOCCredential
        do {
            gatewayCredential = try EDHOCCredential(ccs: options.gatewayCredential.span)
        } catch {
            throw SimulatorError.invalidGatewayCredential("\(error)")
        }
        let socketCount = min(options.deviceCount, options.maxSockets, availableDescriptors())
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        var channels: [any Channel] = []
        do {
            let clock = SimulationClock()
            let devices = try makeDevices(options, socketCount: socketCount, group: group, clock: clock,
                                          gatewayCredential: gatewayCredential, crypto: crypto)
            channels = try await bindSockets(devices, socketCount: socketCount, gateway: options.gateway)
            for (index, device) in devices.enumerated() {
                let channel = channels[index % socketCount]
                device.eventLoop.execute { device.start(on: channel) }
            }
            try await waitOut(options.durationSeconds, devices: devices, options: options, socketCount: socketCount,
                              clock: clock, interval: progressIntervalSeconds, progress: progress)
            let outcomes = try await collect(devices, on: group) { $0.stop() }
            let elapsed = Double(clock.nowMilliseconds) / 1000
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            return SimulationSummary(outcomes: outcomes, suite: options.suite, sockets: socketCount,
                                     readingsPerSecond: options.readingsPerSecond, durationSeconds: elapsed)
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Builds every device, assigned round robin to the sockets' loops; device i starts at
    /// i / N of the ramp-up.
    static func makeDevices(_ options: SimulatorOptions, socketCount: Int, group: MultiThreadedEventLoopGroup,
                            clock: SimulationClock, gatewayCredential: EDHOCCredential,
                            crypto: HostCrypto) throws -> [SimulatedDevice] {
        let loops = (0..<socketCount).map { _ in group.next() }
        let rampUp = options.rampUpSeconds * 1000
        return try (0..<options.deviceCount).map { index in
            var identity = try SimulatedIdentity(index: index, seed: options.seed, suite: options.suite, crypto: crypto)
            defer { identity.wipe() }
            let start = UInt64(rampUp * Double(index) / Double(options.deviceCount))
            return try SimulatedDevice(identity: identity, gatewayCredential: gatewayCredential,
                                       configuration: options.device, eventLoop: loops[index % socketCount],
                                       clock: clock, gateway: options.gateway, firstPollAt: start, crypto: crypto)
        }
    }

    /// One socket per loop slot, bound to an ephemeral port of the gateway's address family.
    static func bindSockets(_ devices: [SimulatedDevice], socketCount: Int,
                            gateway: SocketAddress) async throws -> [any Channel] {
        let anyAddress = gateway.protocol == .inet6 ? "::" : "0.0.0.0"
        var channels: [any Channel] = []
        do {
            for socket in 0..<socketCount {
                let members = stride(from: socket, to: devices.count, by: socketCount).map { devices[$0] }
                let channel = try await DatagramBootstrap(group: members[0].eventLoop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(FleetSocketHandler(devices: members))
                        }
                    }
                    .bind(host: anyAddress, port: 0).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw SimulatorError.socketFailed("\(error) (after \(channels.count) sockets)")
        }
        return channels
    }

    /// Sleeps through the run, reporting progress at each interval.
    static func waitOut(_ seconds: Double, devices: [SimulatedDevice], options: SimulatorOptions, socketCount: Int,
                        clock: SimulationClock, interval: Double,
                        progress: (@Sendable (SimulationProgress) -> Void)?) async throws {
        let end = seconds * 1000
        while true {
            let now = Double(clock.nowMilliseconds)
            guard now < end else { return }
            let step = progress == nil ? end - now : min(end - now, max(0.1, interval) * 1000)
            try await Task.sleep(nanoseconds: UInt64(step * 1_000_000))
            guard let progress, Double(clock.nowMilliseconds) < end else { continue }
            let outcomes = try await collect(devices, on: devices[0].eventLoop) { $0.snapshot() }
            progress(SimulationProgress(
                elapsedSeconds: Double(clock.nowMilliseconds) / 1000,
                summary: SimulationSummary(outcomes: outcomes, suite: options.suite, sockets: socketCount,
                                           readingsPerSecond: options.readingsPerSecond,
                                           durationSeconds: Double(clock.nowMilliseconds) / 1000)))
        }
    }

    /// Runs `body` for every device on its loop and gathers the results in index order.
    static func collect(_ devices: [SimulatedDevice], on loop: any EventLoopGroup,
                        _ body: @escaping @Sendable (SimulatedDevice) -> SimulatedDeviceOutcome) async throws
        -> [SimulatedDeviceOutcome] {
        let futures = devices.map { device in device.eventLoop.submit { body(device) } }
        return try await EventLoopFuture.whenAllSucceed(futures, on: loop.any()).get()
    }

    /// Open files this process may still use for sockets.
    static func availableDescriptors() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 - reservedDescriptors }
        let soft = limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        return max(1, soft - reservedDescriptors)
    }
}

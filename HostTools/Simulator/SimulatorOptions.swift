import Foundation
import NIOCore
import RampartDevice
import RampartProtocol

/// What a simulation runs: `rampart sim`'s flags, or a test's choice.
public struct SimulatorOptions: Sendable {
    /// The gateway's CoAP/UDP address.
    public var gateway: SocketAddress
    /// CRED_R: the gateway's credential for `suite` (`rampart gateway credential --suite N`).
    public var gatewayCredential: [UInt8]
    public var deviceCount: Int
    /// Telemetry readings per second per device.
    public var readingsPerSecond: Double
    public var durationSeconds: Double
    /// 0 (X25519) or 2 (P-256).
    public var suite: Int32
    /// Derives the devices' identities (`SimulatedFleet`).
    public var seed: UInt64
    /// Devices start spread evenly over this many seconds (not all in the same millisecond).
    public var rampUpSeconds: Double
    /// UDP sockets at most: one per device up to this, then devices share them.
    public var maxSockets: Int
    /// Event-loop threads (default: one per core).
    public var threads: Int
    /// The device application's timers. `readingsPerSecond` sets the telemetry interval.
    public var device: DeviceConfiguration

    /// Shorter CoAP timers than RFC 7252's for a simulation on a LAN or loopback (round
    /// trips well under a millisecond): ACK_TIMEOUT 500 ms, the RFC's factor and
    /// MAX_RETRANSMIT; quarantine back-off from 1 s up to 8 s, so a release is seen within seconds.
    public static func simulatedDevice(readingsPerSecond: Double, rekeyIntervalSeconds: Int) -> DeviceConfiguration {
        let interval = readingsPerSecond > 0 ? max(1.0, (1000.0 / readingsPerSecond).rounded()) : 1000.0
        return DeviceConfiguration(
            telemetryIntervalMilliseconds: UInt32(min(interval, Double(UInt32.max))),
            rekeyIntervalSeconds: UInt32(clamping: max(0, rekeyIntervalSeconds)),
            transmission: CoAPTransmissionParameters(ackTimeoutMilliseconds: 500, ackRandomFactorPerMille: 1500,
                                                     maxRetransmit: 4, separateResponseTimeoutMilliseconds: 5000),
            handshakeBackOff: BackOffPolicy(baseMilliseconds: 250, capMilliseconds: 10_000),
            quarantineBackOff: BackOffPolicy(baseMilliseconds: 1000, capMilliseconds: 8000),
            configurationBackOff: BackOffPolicy(baseMilliseconds: 10_000, capMilliseconds: 120_000))
    }

    public init(gateway: SocketAddress, gatewayCredential: [UInt8], deviceCount: Int, readingsPerSecond: Double,
                durationSeconds: Double, suite: Int32, seed: UInt64 = 1, rampUpSeconds: Double = 1,
                maxSockets: Int = 4096, threads: Int = System.coreCount, rekeyIntervalSeconds: Int = 3600) {
        self.gateway = gateway
        self.gatewayCredential = gatewayCredential
        self.deviceCount = deviceCount
        self.readingsPerSecond = readingsPerSecond
        self.durationSeconds = durationSeconds
        self.suite = suite
        self.seed = seed
        self.rampUpSeconds = rampUpSeconds
        self.maxSockets = maxSockets
        self.threads = threads
        self.device = Self.simulatedDevice(readingsPerSecond: readingsPerSecond, rekeyIntervalSeconds: rekeyIntervalSeconds)
    }

    /// Checks the values a user can get wrong, with what to write instead.
    public func validate() throws(SimulatorError) {
        guard suite == 0 || suite == 2 else { throw .unsupportedSuite(suite) }
        guard deviceCount >= 1, deviceCount <= SimulatedFleet.maxDeviceCount else {
            throw .invalidOption("--devices must be between 1 and \(SimulatedFleet.maxDeviceCount)")
        }
        guard readingsPerSecond > 0, readingsPerSecond <= 1000 else {
            throw .invalidOption("--rate must be above 0 and at most 1000 readings per second per device (e.g. --rate 0.5)")
        }
        guard durationSeconds > 0, durationSeconds.isFinite else {
            throw .invalidOption("--duration must be a positive number of seconds")
        }
        guard rampUpSeconds >= 0, rampUpSeconds.isFinite else { throw .invalidOption("--ramp-up must be 0 or more seconds") }
        guard maxSockets >= 1 else { throw .invalidOption("--max-sockets must be at least 1") }
        guard threads >= 1 else { throw .invalidOption("the simulator needs at least one thread") }
        let credential: EDHOCCredential
        do {
            credential = try EDHOCCredential(ccs: gatewayCredential.span)
        } catch {
            throw .invalidGatewayCredential("not a CCS with a COSE_Key and a kid (\(error))")
        }
        guard credential.suite.rawValue == suite else {
            throw .invalidGatewayCredential("it holds a suite \(credential.suite.rawValue) key, and the devices use suite \(suite)")
        }
    }

    /// Parses "host:port" (an IPv6 host in brackets) into a socket address.
    public static func gatewayAddress(_ text: String) throws(SimulatorError) -> SocketAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host = Substring(trimmed)
        var portText = Substring("")
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":") else {
                throw .invalidGatewayAddress(text)
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else {
                throw .invalidGatewayAddress(text)
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65_535).contains(port) else {
            throw .invalidGatewayAddress(text)
        }
        do {
            if let numeric = try? SocketAddress(ipAddress: String(host), port: port) { return numeric }
            return try SocketAddress.makeAddressResolvingHost(String(host), port: port)
        } catch {
            throw .invalidGatewayAddress(text)
        }
    }
}

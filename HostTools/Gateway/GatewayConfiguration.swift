/// Everything `rampart gateway` can be told, with its defaults. Loaded from a JSON file
/// (`--config`, documented in docs/gateway.md), then overridden by flags.
public struct GatewayConfiguration: Sendable, Equatable, Codable {
    /// Keys, registry, admin token. Created on first start.
    public var dataDirectory: String = "rampart-data"
    /// CoAP over UDP: "host:port"; empty to disable.
    public var udpListen: String = "127.0.0.1:5683"
    /// Serial ports carrying framed CoAP (COBS + CRC-32).
    public var serialPorts: [SerialPortConfiguration] = []
    /// Loopback admin API (actions, device state), "host:port"; empty to disable.
    public var adminListen: String = "127.0.0.1:5690"
    /// Prometheus metrics, "host:port"; empty to disable.
    public var metricsListen: String = "127.0.0.1:9464"
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// If set, the static private keys are sealed (libsodium secretbox) with the 32-byte key
    /// in this file.
    public var keySealingKeyFile: String? = nil
    public var engine: EngineLimits = EngineLimits()
    /// Cluster mode (docs/ledger.md): several gateways sharing one ledger and the registry,
    /// quarantine and revocation sets through etcd. With no endpoints the gateway runs alone
    /// on its SQLite files (the embedded default).
    public var cluster: Cluster = Cluster()
    /// The detector and the response policy (docs/detection.md).
    public var detection: DetectionConfiguration = DetectionConfiguration()

    public init() {}

    public struct Cluster: Sendable, Equatable, Codable {
        /// etcd client URLs ("http://127.0.0.1:2379"); empty for the embedded mode.
        public var etcdEndpoints: [String] = []
        /// Every key the cluster uses lives under this prefix (several clusters can share an etcd).
        public var keyPrefix: String = "/rampart"
        /// How this gateway names itself to its peers (its UDP address by default).
        public var advertiseAddress: String = ""

        public init() {}
    }

    public struct SerialPortConfiguration: Sendable, Equatable, Codable {
        public var path: String
        public var baudRate: Int = 115_200

        public init(path: String, baudRate: Int = 115_200) {
            self.path = path
            self.baudRate = baudRate
        }
    }

    /// The protocol engine's bounds (what makes it survive floods and a million devices).
    public struct EngineLimits: Sendable, Equatable, Codable {
        /// Cipher suites offered to devices, in preference order.
        public var suites: [Int32] = [2, 0]
        /// Most OSCORE sessions held at once; past it the least recently active is evicted.
        public var maxSessions: Int = 1_000_000
        /// A session with no verified request for this long is evicted (the device
        /// re-handshakes on its next request).
        public var sessionIdleTimeoutSeconds: Double = 3600
        /// Most handshakes waiting for message_3 at once; past it message_1 is dropped.
        public var maxHalfOpenHandshakes: Int = 4096
        /// Above this many half-open handshakes, message_1 without a valid Echo option is
        /// answered with 4.01 + Echo (RFC 9175) before any Diffie-Hellman work.
        public var echoThreshold: Int = 512
        /// A half-open handshake waits this long for message_3.
        public var halfOpenTimeoutSeconds: Double = 10
        /// An Echo value is accepted for this long after it was issued.
        public var echoLifetimeSeconds: Double = 30
        /// Token bucket per source address: sustained datagrams per second.
        public var perSourceRatePerSecond: Double = 200
        /// Token bucket per source address: burst size.
        public var perSourceBurst: Double = 400
        /// Token bucket per source address for message_1 (handshakes per second).
        public var perSourceHandshakesPerSecond: Double = 5
        /// Largest datagram accepted (bytes); bigger ones are dropped and counted.
        public var maxDatagramBytes: Int = 1152
        /// When a device's session moves to a new UDP address while the old one was active
        /// this recently, the old address gets a CoAP ping (RFC 7252 §4.3). An answer means
        /// the kid is live in two places at once (docs/detection.md §2). 0 turns pings off.
        public var pingPreviousPeerWithinSeconds: Double = 120
        /// How long a ping's answer (a Reset) is waited for.
        public var pingTimeoutSeconds: Double = 4

        public init() {}
    }
}

/// Why the gateway service could not start or keep a transport. Each description says what
/// to change.
public enum GatewayServerError: Error, CustomStringConvertible, Equatable {
    case invalidListenAddress(String)
    case configuration(String)
    /// The admin API or the metrics endpoint was given an address other hosts can reach.
    case notLoopback(endpoint: String, address: String)
    /// A socket could not be bound (port in use, address not on this host, permission).
    case bindFailed(endpoint: String, address: String, reason: String)
    /// A serial port could not be opened or configured.
    case serialPort(path: String, reason: String)
    /// The baud rate has no termios speed constant.
    case unsupportedBaudRate(path: String, baudRate: Int)
    /// The admin API is enabled but no bearer token was given.
    case missingAdminToken

    public var description: String {
        switch self {
        case .invalidListenAddress(let value):
            "not a host:port listen address: \"\(value)\" (e.g. 127.0.0.1:5683 or [::1]:5683; an empty string disables the endpoint)"
        case .configuration(let why):
            "gateway configuration: \(why)"
        case .notLoopback(let endpoint, let address):
            "the \(endpoint) must listen on a loopback address (127.0.0.1, ::1 or localhost), not \(address): "
                + "it is reachable by anyone who can reach that address. Use e.g. 127.0.0.1 and a reverse proxy or SSH tunnel for remote access."
        case .bindFailed(let endpoint, let address, let reason):
            "cannot listen for the \(endpoint) on \(address): \(reason) (is another gateway running, or is the address not on this host?)"
        case .serialPort(let path, let reason):
            "serial port \(path): \(reason)"
        case .unsupportedBaudRate(let path, let baudRate):
            "serial port \(path): unsupported baud rate \(baudRate) (use one of \(SerialPort.supportedBaudRates.map(String.init).joined(separator: ", ")))"
        case .missingAdminToken:
            "the admin API is enabled but no admin token was given (set adminListen to \"\" to disable the admin API)"
        }
    }
}

/// Why `rampart sim` could not run, each with what to do about it.
public enum SimulatorError: Error, CustomStringConvertible, Equatable {
    case invalidGatewayAddress(String)
    case invalidGatewayCredential(String)
    case unsupportedSuite(Int32)
    case invalidOption(String)
    case socketFailed(String)

    public var description: String {
        switch self {
        case .invalidGatewayAddress(let value):
            "not a gateway host:port: \(value) (e.g. 127.0.0.1:5683, [::1]:5683)"
        case .invalidGatewayCredential(let why):
            "the gateway credential is not usable: \(why) (print the right one with: rampart gateway credential --suite N)"
        case .unsupportedSuite(let suite):
            "cipher suite \(suite) is not supported: use 0 (X25519) or 2 (P-256)"
        case .invalidOption(let why):
            why
        case .socketFailed(let why):
            "cannot open a UDP socket for the simulated devices: \(why) (raise the open-file limit with ulimit -n, or lower --max-sockets)"
        }
    }
}

/// Why the gateway service could not start or keep a transport.
public enum GatewayServerError: Error, CustomStringConvertible {
    case invalidListenAddress(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .invalidListenAddress(let value): "not a host:port listen address: \(value) (e.g. 127.0.0.1:5683)"
        case .configuration(let why): "gateway configuration: \(why)"
        }
    }
}

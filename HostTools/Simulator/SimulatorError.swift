/// Why `rampart sim` could not run.
public enum SimulatorError: Error, CustomStringConvertible {
    case invalidGatewayAddress(String)

    public var description: String {
        switch self {
        case .invalidGatewayAddress(let value): "not a gateway host:port: \(value) (e.g. 127.0.0.1:5683)"
        }
    }
}

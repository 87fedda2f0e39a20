/// Receives the intermediate values of a handshake under RFC 9529's names (`TH_2`,
/// `PRK_3e2m`, …) — for `rampart edhoc trace` and the step-by-step trace tests. The default,
/// `NoEDHOCTrace`, compiles away. A trace sees secrets: never use one in production.
public protocol EDHOCTrace {
    func record(_ name: StaticString, _ value: Span<UInt8>)
}

/// Records nothing.
public struct NoEDHOCTrace: EDHOCTrace {
    public init() {}
    @inline(__always)
    public func record(_ name: StaticString, _ value: Span<UInt8>) {}
}

/// An option number (RFC 7252 §5.4 and §12.2, and the RFCs that registered the others).
public struct CoAPOptionNumber: Equatable, Comparable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static func < (lhs: CoAPOptionNumber, rhs: CoAPOptionNumber) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Critical: an endpoint that does not understand it must reject the message
    /// (RFC 7252 §5.4.1, odd numbers).
    public var isCritical: Bool { rawValue & 0x01 != 0 }
    /// Unsafe to forward by a proxy that does not understand it (RFC 7252 §5.4.2).
    public var isUnsafe: Bool { rawValue & 0x02 != 0 }
    /// Not part of the cache key (RFC 7252 §5.4.6); only meaningful for safe options.
    public var isNoCacheKey: Bool { rawValue & 0x1E == 0x1C }

    public static let ifMatch = CoAPOptionNumber(rawValue: 1)
    public static let uriHost = CoAPOptionNumber(rawValue: 3)
    public static let eTag = CoAPOptionNumber(rawValue: 4)
    public static let ifNoneMatch = CoAPOptionNumber(rawValue: 5)
    /// RFC 7641.
    public static let observe = CoAPOptionNumber(rawValue: 6)
    public static let uriPort = CoAPOptionNumber(rawValue: 7)
    public static let locationPath = CoAPOptionNumber(rawValue: 8)
    /// RFC 8613 §2.
    public static let oscore = CoAPOptionNumber(rawValue: 9)
    public static let uriPath = CoAPOptionNumber(rawValue: 11)
    public static let contentFormat = CoAPOptionNumber(rawValue: 12)
    public static let maxAge = CoAPOptionNumber(rawValue: 14)
    public static let uriQuery = CoAPOptionNumber(rawValue: 15)
    public static let accept = CoAPOptionNumber(rawValue: 17)
    public static let locationQuery = CoAPOptionNumber(rawValue: 20)
    /// RFC 7959.
    public static let block2 = CoAPOptionNumber(rawValue: 23)
    /// RFC 7959.
    public static let block1 = CoAPOptionNumber(rawValue: 27)
    /// RFC 7959.
    public static let size2 = CoAPOptionNumber(rawValue: 28)
    public static let proxyUri = CoAPOptionNumber(rawValue: 35)
    public static let proxyScheme = CoAPOptionNumber(rawValue: 39)
    public static let size1 = CoAPOptionNumber(rawValue: 60)
    /// RFC 9175 §2.
    public static let echo = CoAPOptionNumber(rawValue: 252)
    /// RFC 7967.
    public static let noResponse = CoAPOptionNumber(rawValue: 258)
    /// RFC 9175 §3.
    public static let requestTag = CoAPOptionNumber(rawValue: 292)
}

/// A request method or response code, "c.dd" (RFC 7252 §3 and §12.1): a 3-bit class and a
/// 5-bit detail in one byte.
public struct CoAPCode: Equatable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// `class.detail`, e.g. `CoAPCode(class: 4, detail: 4)` for 4.04. Bits beyond 3 (class)
    /// and 5 (detail) are dropped.
    public init(class codeClass: UInt8, detail: UInt8) {
        rawValue = (codeClass & 0x07) &<< 5 | (detail & 0x1F)
    }

    /// 0 request, 2 success, 4 client error, 5 server error (1, 6, 7 reserved).
    public var codeClass: UInt8 { rawValue &>> 5 }
    public var detail: UInt8 { rawValue & 0x1F }

    /// 0.00: an Empty message (RFC 7252 §4.1).
    public var isEmpty: Bool { rawValue == 0 }
    /// 0.01…0.31.
    public var isRequest: Bool { codeClass == 0 && detail != 0 }
    /// 2.xx, 4.xx and 5.xx.
    public var isResponse: Bool { codeClass == 2 || codeClass == 4 || codeClass == 5 }

    public static let empty = CoAPCode(class: 0, detail: 0)
    // Methods (RFC 7252 §12.1.1; FETCH RFC 8132).
    public static let get = CoAPCode(class: 0, detail: 1)
    public static let post = CoAPCode(class: 0, detail: 2)
    public static let put = CoAPCode(class: 0, detail: 3)
    public static let delete = CoAPCode(class: 0, detail: 4)
    public static let fetch = CoAPCode(class: 0, detail: 5)
    // Responses (RFC 7252 §12.1.2).
    public static let created = CoAPCode(class: 2, detail: 1)
    public static let deleted = CoAPCode(class: 2, detail: 2)
    public static let valid = CoAPCode(class: 2, detail: 3)
    public static let changed = CoAPCode(class: 2, detail: 4)
    public static let content = CoAPCode(class: 2, detail: 5)
    public static let badRequest = CoAPCode(class: 4, detail: 0)
    public static let unauthorized = CoAPCode(class: 4, detail: 1)
    public static let badOption = CoAPCode(class: 4, detail: 2)
    public static let forbidden = CoAPCode(class: 4, detail: 3)
    public static let notFound = CoAPCode(class: 4, detail: 4)
    public static let methodNotAllowed = CoAPCode(class: 4, detail: 5)
    public static let notAcceptable = CoAPCode(class: 4, detail: 6)
    public static let requestEntityTooLarge = CoAPCode(class: 4, detail: 13)
    public static let unsupportedContentFormat = CoAPCode(class: 4, detail: 15)
    public static let internalServerError = CoAPCode(class: 5, detail: 0)
    public static let serviceUnavailable = CoAPCode(class: 5, detail: 3)
}

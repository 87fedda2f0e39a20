import RampartDevice
import RampartGateway
import RampartProtocol

// Conversions between the firmware's fixed-size storage (shared message codec) and the
// host's arrays and strings.

extension InlineArray where Element == UInt8 {
    /// The bytes as an array.
    var array: [UInt8] { (0..<count).map { self[$0] } }

    /// Lower-case hex (device-ids, nonces; never secrets).
    var hexString: String { array.hexString }

    /// Byte-wise equality (nonces are public: no need for constant time).
    func bytesEqual(_ other: Self) -> Bool {
        for i in 0..<count where self[i] != other[i] { return false }
        return true
    }
}

extension BoundedBytes {
    /// The bytes as an array.
    var array: [UInt8] { (0..<count).map { self[$0] } }

    /// The bytes read as UTF-8 (invalid sequences replaced), for firmware names and diagnostics.
    var text: String { String(decoding: array, as: UTF8.self) }

    /// Storage holding `bytes`; throws `.invalidRequest` naming `what` if they do not fit.
    init(_ bytes: [UInt8], what: String) throws(ProvisioningError) {
        do { self = try BoundedBytes(copying: bytes.span) } catch {
            throw .invalidRequest("\(what) has \(bytes.count) bytes; at most \(capacity) fit")
        }
    }
}

extension ProvisioningSuites {
    var array: [Int32] { (0..<count).map { self[$0] } }
}

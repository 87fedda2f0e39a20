import CSodium

/// Small byte helpers the formats share: SHA-256, hex, CBOR head lengths, and reading the
/// fields of a decoded array with errors that name the item and field.
enum LedgerFormatSupport {
    /// SHA-256 (FIPS 180-4) through libsodium, which needs no `sodium_init()` for it.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        withBytes(bytes) { input, count in
            // Cannot fail: libsodium's SHA-256 always returns 0.
            _ = crypto_hash_sha256(&digest, input, UInt64(count))
        }
        return digest
    }

    /// Calls `body` with the address and count of `bytes`; an empty array has no address, and
    /// libsodium declares its pointers `nonnull`, so it gets a valid one anyway.
    static func withBytes<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
    }

    /// Lower-case hex digits of `bytes`.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    /// The bytes spelled by an even number of hex digits (either case), or nil.
    static func bytes(fromHex digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(digits.count / 2)
        var high: UInt8? = nil
        for digit in digits {
            guard let value = nibble(digit) else { return nil }
            if let first = high {
                output.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return output
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Bytes of the CBOR head of an unsigned integer `value` (RFC 8949 §4.2.1 shortest form).
    static func headByteCount(_ value: UInt64) -> Int {
        switch value {
        case 0 ..< 24: 1
        case 24 ... 0xFF: 2
        case 0x100 ... 0xFFFF: 3
        case 0x1_0000 ... 0xFFFF_FFFF: 5
        default: 9
        }
    }

    /// Appends `bytes` as a CBOR byte string.
    static func appendByteString(_ bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        CBORValue.appendHead(major: 2, argument: UInt64(bytes.count), to: &output)
        output.append(contentsOf: bytes)
    }

    /// Appends `text` as a CBOR text string.
    static func appendTextString(_ text: String, to output: inout [UInt8]) {
        let utf8 = text.utf8
        CBORValue.appendHead(major: 3, argument: UInt64(utf8.count), to: &output)
        output.append(contentsOf: utf8)
    }

    /// Decodes `bytes` strictly as an array of exactly `count` items.
    static func decodeArray(_ bytes: [UInt8], count: Int, item: String) throws(LedgerFormatError) -> [CBORValue] {
        let value: CBORValue
        do {
            value = try CBORValue.decode(bytes)
        } catch {
            throw .cbor(error)
        }
        return try array(value, count: count, item: item)
    }

    static func array(_ value: CBORValue, count: Int, item: String) throws(LedgerFormatError) -> [CBORValue] {
        guard let items = value.arrayValue else { throw .malformed(item: item, reason: "not a CBOR array") }
        guard items.count == count else {
            throw .malformed(item: item, reason: "an array of \(items.count) items, not \(count)")
        }
        return items
    }

    static func unsigned(_ value: CBORValue, _ field: String, item: String) throws(LedgerFormatError) -> UInt64 {
        guard let number = value.unsignedValue else { throw .malformed(item: item, reason: "\(field) is not an unsigned integer") }
        return number
    }

    static func bytes(_ value: CBORValue, _ field: String, count: Int, item: String) throws(LedgerFormatError) -> [UInt8] {
        guard let bytes = value.bytesValue else { throw .malformed(item: item, reason: "\(field) is not a byte string") }
        guard bytes.count == count else {
            throw .malformed(item: item, reason: "\(field) has \(bytes.count) bytes, not \(count)")
        }
        return bytes
    }
}

// Helpers shared by the CoAP and OSCORE test suites (namespaced: other suites live in the
// same test target).
import Foundation
import RampartCrypto
import RampartProtocol

enum CoAPTestBytes {
    /// Bytes from hex (whitespace ignored); traps on malformed hex, which is a test typo.
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace }.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex: \(text)")
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Runs `body` with a writer over a `capacity`-byte buffer and returns what it wrote.
    static func write(capacity: Int = 512, _ body: (inout ByteWriter) throws -> Void) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count: Int
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try body(&writer)
            count = writer.count
        }
        return Array(buffer.prefix(count))
    }

    /// The error `body` throws, or nil.
    static func error<E: Error>(_ type: E.Type, _ body: () throws(E) -> Void) -> E? {
        do { try body(); return nil } catch { return error }
    }
}

/// One option as plain values, for comparisons.
struct CoAPTestOption: Equatable, CustomStringConvertible {
    let number: UInt16
    let value: [UInt8]
    var description: String { "\(number):\(value.map { String(format: "%02x", $0) }.joined())" }
}

/// A parsed message as plain values.
struct CoAPTestMessage: Equatable {
    let type: CoAPMessageType
    let code: UInt8
    let messageID: UInt16
    let token: [UInt8]
    let options: [CoAPTestOption]
    let payload: [UInt8]

    init(parsing bytes: [UInt8]) throws(CoAPError) {
        let message = try CoAPMessage(parsing: bytes.span)
        type = message.type
        code = message.code.rawValue
        messageID = message.messageID
        token = CoAPTestMessage.array(message.token)
        var collected: [CoAPTestOption] = []
        var options = message.options.makeIterator()
        while let option = options.next() {
            collected.append(CoAPTestOption(number: option.number.rawValue, value: CoAPTestMessage.array(option.value)))
        }
        self.options = collected
        payload = CoAPTestMessage.array(message.payload)
    }

    static func array(_ span: Span<UInt8>) -> [UInt8] {
        (0..<span.count).map { span[$0] }
    }
}

extension InlineArray where Element == UInt8 {
    /// The bytes as an array.
    var coapTestArray: [UInt8] { (0..<count).map { self[$0] } }
}

extension BoundedBytes {
    /// The bytes in use as an array.
    var coapTestArray: [UInt8] { (0..<count).map { self[$0] } }
}

/// A random source for SoftwareCrypto in tests that use no randomness (OSCORE never draws).
struct CoAPTestNoRandom: RandomSource {
    mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count { buffer[i] = 0 }
    }
}

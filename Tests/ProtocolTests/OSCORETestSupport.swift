// RFC 8613 Appendix C vectors (Tests/Vectors/rfc8613-appendix-c.json) and helpers that run
// OSCORE operations into plain arrays.
import Foundation
import RampartCrypto
import RampartProtocol

struct OSCOREAppendixC: Decodable {
    struct KeyDerivation: Decodable {
        let name, role, masterSecret, masterSalt, senderID, recipientID: String
        let idContext: String?
        let infoSenderKey, infoRecipientKey, infoCommonIV: String
        let senderKey, recipientKey, commonIV, senderNonce, recipientNonce: String
    }
    struct Request: Decodable {
        let name, context, unprotected: String
        let senderSequenceNumber: UInt64
        let partialIV, kid: String
        let kidContext: String?
        let aadArray, aad, plaintext, encryptionKey, nonce, optionValue, ciphertext, protected: String
    }
    struct Response: Decodable {
        let name, context, request, unprotected: String
        let withPartialIV: Bool
        let senderSequenceNumber: UInt64
        let partialIV: String?
        let aadArray, aad, plaintext, encryptionKey, nonce, optionValue, ciphertext, protected: String
    }
    let source: String
    let keyDerivation: [KeyDerivation]
    let requests: [Request]
    let responses: [Response]

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors").appendingPathComponent("rfc8613-appendix-c.json")

    static func load() throws -> OSCOREAppendixC {
        try JSONDecoder().decode(OSCOREAppendixC.self, from: Data(contentsOf: file))
    }

    static func keyDerivation(_ name: String) throws -> KeyDerivation {
        try #require(try load().keyDerivation.first { $0.name == name })
    }
    static func request(_ name: String) throws -> Request {
        try #require(try load().requests.first { $0.name == name })
    }
    static func response(_ name: String) throws -> Response {
        try #require(try load().responses.first { $0.name == name })
    }
}

import Testing

extension OSCOREAppendixC.KeyDerivation {
    /// The Security Context these inputs derive.
    func context<Crypto: CryptoProvider>(_ crypto: Crypto) throws(OSCOREError) -> OSCORESecurityContext {
        let secret = CoAPTestBytes.hex(masterSecret), salt = CoAPTestBytes.hex(masterSalt)
        let sender = CoAPTestBytes.hex(senderID), recipient = CoAPTestBytes.hex(recipientID)
        if let idContext {
            let context = CoAPTestBytes.hex(idContext)
            return try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: salt.span,
                                             senderID: sender.span, recipientID: recipient.span,
                                             idContext: context.span)
        }
        return try OSCORESecurityContext(crypto: crypto, masterSecret: secret.span, masterSalt: salt.span,
                                         senderID: sender.span, recipientID: recipient.span, idContext: nil)
    }
}

/// OSCORE operations with array inputs and outputs. Each checks that the scratch buffer was
/// wiped afterwards (it held plaintext).
enum OSCORETestRun {
    static let capacity = 512

    static func protectRequest<Crypto: CryptoProvider>(
        _ context: inout OSCORESecurityContext, _ request: [UInt8], crypto: Crypto,
        includeKidContext: Bool = false, scratchCount: Int = capacity
    ) throws(OSCOREError) -> (bytes: [UInt8], binding: OSCORERequestBinding) {
        var scratchStorage = [UInt8](repeating: 0xA5, count: scratchCount)
        var outputStorage = [UInt8](repeating: 0, count: capacity)
        let binding: OSCORERequestBinding
        let count: Int
        do {
            var scratch = scratchStorage.mutableSpan
            var writer = ByteWriter(outputStorage.mutableSpan)
            binding = try context.protectRequest(request.span, crypto: crypto, includeKidContext: includeKidContext,
                                                 scratch: &scratch, into: &writer)
            count = writer.count
        }
        #expect(scratchStorage.allSatisfy { $0 == 0 }, "scratch not wiped")
        return (Array(outputStorage.prefix(count)), binding)
    }

    static func protectResponse<Crypto: CryptoProvider>(
        _ context: inout OSCORESecurityContext, _ response: [UInt8], request: OSCORERequestBinding,
        crypto: Crypto, withPartialIV: Bool = false
    ) throws(OSCOREError) -> [UInt8] {
        var scratchStorage = [UInt8](repeating: 0xA5, count: capacity)
        var outputStorage = [UInt8](repeating: 0, count: capacity)
        let count: Int
        do {
            var scratch = scratchStorage.mutableSpan
            var writer = ByteWriter(outputStorage.mutableSpan)
            try context.protectResponse(response.span, request: request, crypto: crypto, withPartialIV: withPartialIV,
                                        scratch: &scratch, into: &writer)
            count = writer.count
        }
        #expect(scratchStorage.allSatisfy { $0 == 0 }, "scratch not wiped")
        return Array(outputStorage.prefix(count))
    }

    static func unprotectRequest<Crypto: CryptoProvider>(
        _ context: inout OSCORESecurityContext, _ protected: [UInt8], crypto: Crypto
    ) throws(OSCOREError) -> (bytes: [UInt8], binding: OSCORERequestBinding) {
        var scratchStorage = [UInt8](repeating: 0xA5, count: capacity)
        var outputStorage = [UInt8](repeating: 0, count: capacity)
        let binding: OSCORERequestBinding
        let count: Int
        do {
            let message = try OSCOREProtectedMessage(parsing: protected.span)
            var scratch = scratchStorage.mutableSpan
            var writer = ByteWriter(outputStorage.mutableSpan)
            binding = try context.unprotectRequest(message, crypto: crypto, scratch: &scratch, into: &writer)
            count = writer.count
        }
        #expect(scratchStorage.allSatisfy { $0 == 0 }, "scratch not wiped")
        return (Array(outputStorage.prefix(count)), binding)
    }

    static func unprotectResponse<Crypto: CryptoProvider>(
        _ context: inout OSCORESecurityContext, _ protected: [UInt8], request: OSCORERequestBinding, crypto: Crypto
    ) throws(OSCOREError) -> [UInt8] {
        var scratchStorage = [UInt8](repeating: 0xA5, count: capacity)
        var outputStorage = [UInt8](repeating: 0, count: capacity)
        let count: Int
        do {
            let message = try OSCOREProtectedMessage(parsing: protected.span)
            var scratch = scratchStorage.mutableSpan
            var writer = ByteWriter(outputStorage.mutableSpan)
            try context.unprotectResponse(message, request: request, crypto: crypto, scratch: &scratch, into: &writer)
            count = writer.count
        }
        return Array(outputStorage.prefix(count))
    }

    /// The error an operation throws, or nil.
    static func error<T>(_ body: () throws(OSCOREError) -> T) -> OSCOREError? {
        do { _ = try body(); return nil } catch { return error }
    }
}

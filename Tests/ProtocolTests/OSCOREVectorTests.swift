import Testing
import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// Checks one Appendix C key derivation (C.1-C.3) with `crypto`.
private func checkKeyDerivation<Crypto: CryptoProvider>(_ name: String, crypto: Crypto) throws {
    let vector = try OSCOREAppendixC.keyDerivation(name)
    let context = try vector.context(crypto)
    context.withKeyMaterial { senderKey, recipientKey, commonIV in
        #expect(senderKey.coapTestArray == CoAPTestBytes.hex(vector.senderKey), "\(name) Sender Key")
        #expect(recipientKey.coapTestArray == CoAPTestBytes.hex(vector.recipientKey), "\(name) Recipient Key")
        #expect(commonIV.coapTestArray == CoAPTestBytes.hex(vector.commonIV), "\(name) Common IV")
    }
    // "From the previous parameters and a Partial IV equal to 0 (both for sender and recipient)".
    let zero = OSCOREPartialIV.encode(0)
    #expect(context.senderNonce(partialIV: zero.span).coapTestArray == CoAPTestBytes.hex(vector.senderNonce), "\(name)")
    #expect(context.recipientNonce(partialIV: zero.span).coapTestArray == CoAPTestBytes.hex(vector.recipientNonce), "\(name)")
    #expect(context.senderID.coapTestArray == CoAPTestBytes.hex(vector.senderID))
    #expect(context.hasIDContext == (vector.idContext != nil))
}

/// Runs a request vector (C.4-C.6): the client protects it byte for byte; the server
/// unprotects it back to the original.
private func checkRequest<Crypto: CryptoProvider>(_ name: String, crypto: Crypto) throws {
    let vector = try OSCOREAppendixC.request(name)
    let clientName = vector.context
    let serverName = String(clientName.dropLast()) + "2"
    var client = try OSCOREAppendixC.keyDerivation(clientName).context(crypto)
    client.resume(senderSequenceNumber: vector.senderSequenceNumber, usage: OSCOREKeyUsage())
    let unprotected = CoAPTestBytes.hex(vector.unprotected)
    let protected = try OSCORETestRun.protectRequest(&client, unprotected, crypto: crypto,
                                                     includeKidContext: vector.kidContext != nil)
    #expect(protected.bytes == CoAPTestBytes.hex(vector.protected), "\(name) protected request")
    #expect(protected.binding.requestPartialIV.coapTestArray == CoAPTestBytes.hex(vector.partialIV))
    #expect(protected.binding.requestKid.coapTestArray == CoAPTestBytes.hex(vector.kid))
    #expect(protected.binding.nonce.coapTestArray == CoAPTestBytes.hex(vector.nonce), "\(name) nonce")
    #expect(client.senderSequenceNumber == vector.senderSequenceNumber + 1)
    #expect(client.usage.countQ == 1)

    let message = try OSCOREProtectedMessage(parsing: protected.bytes.span)
    var optionValue: [UInt8]? = nil
    if let value = message.message.options.first(.oscore) { optionValue = CoAPTestMessage.array(value) }
    #expect(optionValue == CoAPTestBytes.hex(vector.optionValue))
    #expect(CoAPTestMessage.array(message.ciphertext) == CoAPTestBytes.hex(vector.ciphertext))

    var server = try OSCOREAppendixC.keyDerivation(serverName).context(crypto)
    let verified = try OSCORETestRun.unprotectRequest(&server, CoAPTestBytes.hex(vector.protected), crypto: crypto)
    #expect(verified.bytes == unprotected, "\(name) unprotected request")
    #expect(verified.binding.nonce.coapTestArray == CoAPTestBytes.hex(vector.nonce))
    #expect(verified.binding.requestPartialIV.coapTestArray == CoAPTestBytes.hex(vector.partialIV))
    #expect(server.replayWindow.highest == vector.senderSequenceNumber)
}

/// Runs a response vector (C.7, C.8): the server, having verified the C.4 request, protects
/// the response byte for byte; the client, having sent C.4, unprotects it.
private func checkResponse<Crypto: CryptoProvider>(_ name: String, crypto: Crypto) throws {
    let vector = try OSCOREAppendixC.response(name)
    let request = try OSCOREAppendixC.request(vector.request)
    var server = try OSCOREAppendixC.keyDerivation(vector.context).context(crypto)
    server.resume(senderSequenceNumber: vector.senderSequenceNumber, usage: OSCOREKeyUsage())
    let verified = try OSCORETestRun.unprotectRequest(&server, CoAPTestBytes.hex(request.protected), crypto: crypto)
    let unprotected = CoAPTestBytes.hex(vector.unprotected)
    let protected = try OSCORETestRun.protectResponse(&server, unprotected, request: verified.binding, crypto: crypto,
                                                      withPartialIV: vector.withPartialIV)
    #expect(protected == CoAPTestBytes.hex(vector.protected), "\(name) protected response")
    #expect(server.senderSequenceNumber == vector.senderSequenceNumber + (vector.withPartialIV ? 1 : 0))
    #expect(server.usage.countQ == 1)

    var client = try OSCOREAppendixC.keyDerivation(request.context).context(crypto)
    client.resume(senderSequenceNumber: request.senderSequenceNumber, usage: OSCOREKeyUsage())
    let sent = try OSCORETestRun.protectRequest(&client, CoAPTestBytes.hex(request.unprotected), crypto: crypto)
    let received = try OSCORETestRun.unprotectResponse(&client, CoAPTestBytes.hex(vector.protected),
                                                       request: sent.binding, crypto: crypto)
    #expect(received == unprotected, "\(name) unprotected response")
}

@Suite("OSCORE RFC 8613 Appendix C vectors")
struct OSCOREVectorTests {
    @Test("the vector file names its source and holds C.1-C.8")
    func vectorFile() throws {
        let vectors = try OSCOREAppendixC.load()
        #expect(vectors.source.contains("RFC 8613"))
        #expect(vectors.keyDerivation.map(\.name) == ["C.1.1", "C.1.2", "C.2.1", "C.2.2", "C.3.1", "C.3.2"])
        #expect(vectors.requests.map(\.name) == ["C.4", "C.5", "C.6"])
        #expect(vectors.responses.map(\.name) == ["C.7", "C.8"])
    }

    @Test("C.1-C.3: Sender Key, Recipient Key, Common IV and nonces (HostCrypto)",
          arguments: ["C.1.1", "C.1.2", "C.2.1", "C.2.2", "C.3.1", "C.3.2"])
    func keyDerivation(name: String) throws {
        try checkKeyDerivation(name, crypto: try HostCrypto())
    }

    @Test("C.1-C.3 with the device backend (SoftwareCrypto)",
          arguments: ["C.1.1", "C.1.2", "C.2.1", "C.2.2", "C.3.1", "C.3.2"])
    func keyDerivationSoftware(name: String) throws {
        try checkKeyDerivation(name, crypto: SoftwareCrypto(random: CoAPTestNoRandom()))
    }

    @Test("C.4-C.6: requests protected byte for byte and unprotected back (HostCrypto)",
          arguments: ["C.4", "C.5", "C.6"])
    func requests(name: String) throws {
        try checkRequest(name, crypto: try HostCrypto())
    }

    @Test("C.7-C.8: responses without and with Partial IV (HostCrypto)", arguments: ["C.7", "C.8"])
    func responses(name: String) throws {
        try checkResponse(name, crypto: try HostCrypto())
    }

    @Test("C.4-C.8 with the device backend (SoftwareCrypto)")
    func messagesSoftware() throws {
        let crypto = SoftwareCrypto(random: CoAPTestNoRandom())
        for name in ["C.4", "C.5", "C.6"] { try checkRequest(name, crypto: crypto) }
        for name in ["C.7", "C.8"] { try checkResponse(name, crypto: crypto) }
    }
}

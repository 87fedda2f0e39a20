import Testing
import RampartCrypto
import RampartHostCrypto
import RampartProtocol

@Suite("OSCORE key usage limits and sequence numbers")
struct OSCOREKeyUsageTests {
    @Test("the AES-CCM_8 limits are q = 2^20 and v = 2^14")
    func limits() {
        #expect(OSCOREKeyUsage.limitQ == 1_048_576 && OSCOREKeyUsage.limitV == 16_384)
        #expect(!OSCOREKeyUsage().isRekeyDue)
        #expect(OSCOREKeyUsage(countQ: OSCOREKeyUsage.limitQ).isRekeyDue)
        #expect(OSCOREKeyUsage(countV: OSCOREKeyUsage.limitV).isRekeyDue)
        #expect(!OSCOREKeyUsage(countQ: OSCOREKeyUsage.limitQ - 1, countV: OSCOREKeyUsage.limitV - 1).isRekeyDue)
    }

    @Test("protection stops when q reaches its limit, without spending a sequence number")
    func qLimit() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        client.resume(senderSequenceNumber: 7, usage: OSCOREKeyUsage(countQ: OSCOREKeyUsage.limitQ - 1))
        _ = try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        #expect(client.usage.countQ == OSCOREKeyUsage.limitQ && client.usage.isRekeyDue)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        } == .keyUsageLimitReached)
        #expect(client.senderSequenceNumber == 8)
    }

    @Test("responses count in q too, with or without a Partial IV")
    func responsesCount() throws {
        let crypto = try HostCrypto()
        let request = try OSCORETestPair.requests(1, crypto: crypto)[0]
        var server = try OSCORETestPair.server(crypto)
        let binding = try OSCORETestRun.unprotectRequest(&server, request, crypto: crypto).binding
        let response = CoAPTestBytes.hex("64455d1f00003974ff48656c6c6f20576f726c6421")
        _ = try OSCORETestRun.protectResponse(&server, response, request: binding, crypto: crypto)
        _ = try OSCORETestRun.protectResponse(&server, response, request: binding, crypto: crypto, withPartialIV: true)
        #expect(server.usage.countQ == 2 && server.senderSequenceNumber == 1)
    }

    @Test("corrupted ciphertext or tag fails decryption and counts in v", arguments: [0, 7, 8, 12])
    func corrupted(byteFromEnd: Int) throws {
        let crypto = try HostCrypto()
        let request = try OSCORETestPair.requests(1, crypto: crypto)[0]
        var server = try OSCORETestPair.server(crypto)
        let forged = OSCORETestPair.corrupted(request, byteFromEnd: byteFromEnd)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, forged, crypto: crypto)
        } == .decryptionFailed)
        #expect(server.usage.countV == 1)
    }

    @Test("a corrupted response fails decryption on the client and counts in v")
    func corruptedResponse() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        var server = try OSCORETestPair.server(crypto)
        let sent = try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        let binding = try OSCORETestRun.unprotectRequest(&server, sent.bytes, crypto: crypto).binding
        let response = CoAPTestBytes.hex("64455d1f00003974ff48656c6c6f20576f726c6421")
        let protected = try OSCORETestRun.protectResponse(&server, response, request: binding, crypto: crypto)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectResponse(&client, OSCORETestPair.corrupted(protected, byteFromEnd: 3),
                                                request: sent.binding, crypto: crypto)
        } == .decryptionFailed)
        #expect(client.usage.countV == 1)
        #expect(try OSCORETestRun.unprotectResponse(&client, protected, request: sent.binding, crypto: crypto) == response)
    }

    @Test("decryption stops when v reaches its limit")
    func vLimit() throws {
        let crypto = try HostCrypto()
        let requests = try OSCORETestPair.requests(2, crypto: crypto)
        var server = try OSCORETestPair.server(crypto)
        server.resume(senderSequenceNumber: 0, usage: OSCOREKeyUsage(countV: OSCOREKeyUsage.limitV - 1))
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, OSCORETestPair.corrupted(requests[0], byteFromEnd: 0), crypto: crypto)
        } == .decryptionFailed)
        #expect(server.usage.countV == OSCOREKeyUsage.limitV && server.usage.isRekeyDue)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, requests[1], crypto: crypto)
        } == .keyUsageLimitReached)
    }

    @Test("resume never moves state backwards")
    func resumeIsMonotonic() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        client.resume(senderSequenceNumber: 100, usage: OSCOREKeyUsage(countQ: 50, countV: 5))
        client.resume(senderSequenceNumber: 10, usage: OSCOREKeyUsage(countQ: 1, countV: 1))
        #expect(client.senderSequenceNumber == 100 && client.usage == OSCOREKeyUsage(countQ: 50, countV: 5))
    }

    @Test("the last sequence number 2^40 − 1 is used, then protection stops")
    func sequenceNumberExhausted() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        client.resume(senderSequenceNumber: OSCORELimits.senderSequenceNumberMax, usage: OSCOREKeyUsage())
        let last = try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        #expect(last.binding.requestPartialIV.coapTestArray == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        var server = try OSCORETestPair.server(crypto)
        #expect(try OSCORETestRun.unprotectRequest(&server, last.bytes, crypto: crypto).bytes == OSCORETestPair.request)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        } == .sequenceNumberExhausted)
        // A response with its own Partial IV needs a sequence number too.
        var exhaustedServer = try OSCORETestPair.server(crypto)
        let binding = try OSCORETestRun.unprotectRequest(&exhaustedServer, last.bytes, crypto: crypto).binding
        exhaustedServer.resume(senderSequenceNumber: OSCORELimits.senderSequenceNumberMax + 1, usage: OSCOREKeyUsage())
        let response = CoAPTestBytes.hex("64455d1f00003974ff48656c6c6f20576f726c6421")
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectResponse(&exhaustedServer, response, request: binding, crypto: crypto, withPartialIV: true)
        } == .sequenceNumberExhausted)
        _ = try OSCORETestRun.protectResponse(&exhaustedServer, response, request: binding, crypto: crypto)
    }

    @Test("a wiped context zeroes its keys and refuses every operation")
    func wipe() throws {
        let crypto = try HostCrypto()
        var client = try OSCORETestPair.client(crypto)
        client.wipe()
        let isWiped = client.isWiped
        #expect(isWiped)
        client.withKeyMaterial { senderKey, recipientKey, commonIV in
            #expect(senderKey.coapTestArray.allSatisfy { $0 == 0 })
            #expect(recipientKey.coapTestArray.allSatisfy { $0 == 0 })
            #expect(commonIV.coapTestArray.allSatisfy { $0 == 0 })
        }
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.protectRequest(&client, OSCORETestPair.request, crypto: crypto)
        } == .contextWiped)
        let request = try OSCORETestPair.requests(1, crypto: crypto)[0]
        var server = try OSCORETestPair.server(crypto)
        server.wipe()
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, request, crypto: crypto)
        } == .contextWiped)
    }
}

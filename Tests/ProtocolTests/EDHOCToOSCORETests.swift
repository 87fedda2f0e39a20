import Testing
import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// OSCORE contexts derived from an EDHOC session (RFC 9528 Appendix A.1) protect traffic
/// both ways: trace 2's handshake, then a request and a response through the contexts.
@Suite("OSCORE from EDHOC")
struct EDHOCToOSCORETests {
    /// Trace 2's handshake; `body` gets the Initiator's and the Responder's sessions.
    static func handshake(_ body: (inout EDHOCSession, inout EDHOCSession, HostCrypto) throws -> Void) throws {
        var parties = try EDHOCNegativeTests.Parties()
        var message1 = [UInt8](), message2 = [UInt8]()
        let waitM2 = try parties.message1(&message1)
        let waitM3 = try parties.message2(for: message1, &message2)
        let processed = try waitM2.processMessage2(crypto: parties.crypto, message2: message2.span)
            .verifyMessage2(crypto: parties.crypto, staticKey: parties.initiatorKey, credentialR: parties.credentialR)
        var buffer = [UInt8](repeating: 0, count: 128)
        var written = 0
        var initiator: EDHOCSession
        do {
            var w = ByteWriter(buffer.mutableSpan)
            initiator = try processed.prepareMessage3(crypto: parties.crypto, staticKey: parties.initiatorKey, into: &w)
            written = w.count
        }
        let message3 = Array(buffer[0..<written])
        var responder = try waitM3.processMessage3(crypto: parties.crypto, message3: message3.span)
            .verifyMessage3(crypto: parties.crypto, credentialI: parties.credentialI)
        try body(&initiator, &responder, parties.crypto)
        initiator.close()
        responder.close()
    }

    /// A request from the client (Initiator) and the server's response, through the contexts.
    static func exchange(client: inout OSCORESecurityContext, server: inout OSCORESecurityContext,
                         crypto: HostCrypto) throws -> [UInt8] {
        let request = CoAPTestBytes.hex(try OSCOREAppendixC.request("C.4").unprotected)
        let response = CoAPTestBytes.hex(try OSCOREAppendixC.response("C.7").unprotected)
        let protected = try OSCORETestRun.protectRequest(&client, request, crypto: crypto)
        let verified = try OSCORETestRun.unprotectRequest(&server, protected.bytes, crypto: crypto)
        #expect(verified.bytes == request)
        let protectedResponse = try OSCORETestRun.protectResponse(&server, response, request: verified.binding, crypto: crypto)
        let opened = try OSCORETestRun.unprotectResponse(&client, protectedResponse, request: protected.binding, crypto: crypto)
        #expect(opened == response)
        return protected.bytes
    }

    @Test("the Initiator's context and the Responder's talk to each other, with trace 2's Sender IDs")
    func contextsMatch() throws {
        let trace = EDHOCTrace2Tests.expected
        try Self.handshake { initiator, responder, crypto in
            var client = try initiator.oscoreContext(crypto: crypto)
            var server = try responder.oscoreContext(crypto: crypto)
            let clientID = try #require(trace["Client's OSCORE Sender ID"])
            let serverID = try #require(trace["Server's OSCORE Sender ID"])
            let clientMatches = client.senderID.elementsEqual(clientID.span)
            let serverMatches = server.senderID.elementsEqual(serverID.span)
            let crossed = client.recipientID.elementsEqual(serverID.span)
            #expect(clientMatches && serverMatches && crossed)
            let before = try Self.exchange(client: &client, server: &server, crypto: crypto)

            // After EDHOC_KeyUpdate on both sides, fresh contexts still agree, with new keys.
            let context: [UInt8] = [0xA0, 0x11, 0x58, 0xFD]
            try initiator.keyUpdate(crypto: crypto, context: context.span)
            try responder.keyUpdate(crypto: crypto, context: context.span)
            var newClient = try initiator.oscoreContext(crypto: crypto)
            var newServer = try responder.oscoreContext(crypto: crypto)
            let after = try Self.exchange(client: &newClient, server: &newServer, crypto: crypto)
            #expect(after != before, "KeyUpdate must change the keys")
            // The old server context cannot open what the new client protects.
            let request = CoAPTestBytes.hex(try OSCOREAppendixC.request("C.4").unprotected)
            let fresh = try OSCORETestRun.protectRequest(&newClient, request, crypto: crypto)
            #expect(OSCORETestRun.error { () throws(OSCOREError) in
                try OSCORETestRun.unprotectRequest(&server, fresh.bytes, crypto: crypto)
            } != nil)
            client.wipe(); server.wipe(); newClient.wipe(); newServer.wipe()
        }
    }
}

import Foundation
import Testing
import RampartCrypto
import RampartEDHOCTools
import RampartHostCrypto
import RampartProtocol

/// Interoperation with lakers-python 0.6.2 (the reference EDHOC implementation, from PyPI)
/// in both directions: method 3, suite 2, trace 2's credentials, fresh ephemeral keys on
/// both sides. Both ends must arrive at the same PRK_out and OSCORE Master Secret and Salt.
@Suite("EDHOC interop with lakers-python")
struct EDHOCLakersInteropTests {
    static let keysURL = ProtocolVectors.interop.appendingPathComponent("trace2-input.json")
    static let keys = try! ProtocolVectors.hexObject(keysURL)

    struct Endpoint: ~Copyable {
        let staticKey: EDHOCStaticKey
        let peerCredential: EDHOCCredential
    }

    static func endpoint(_ crypto: HostCrypto, own: String, peer: String) throws -> Endpoint {
        let secret = try #require(keys["SK_" + own]), credential = try #require(keys["CRED_" + own])
        let peerCredential = try #require(keys["CRED_" + peer])
        return Endpoint(
            staticKey: try EDHOCStaticKey(crypto: crypto, privateKey: Bytes32(copying: secret.span),
                                          credential: EDHOCCredential(ccs: credential.span)),
            peerCredential: try EDHOCCredential(ccs: peerCredential.span))
    }

    /// A message buffer; the writer's count says how much of it a transition wrote.
    static func buffer() -> [UInt8] { [UInt8](repeating: 0, count: 512) }

    static func result(_ line: String) throws -> [String: String] {
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    }

    static func exported(_ session: borrowing EDHOCSession, _ crypto: HostCrypto) throws -> [String: String] {
        let secret = try session.oscoreMasterSecret(crypto: crypto)
        let salt = try session.oscoreMasterSalt(crypto: crypto)
        var prkOut = [UInt8]()
        for i in 0..<session.prkOutForTrace.count { prkOut.append(session.prkOutForTrace[i]) }
        return [
            "prk_out": Hex.encode(prkOut),
            "oscore_master_secret": Hex.encode((0..<16).map { secret[$0] }),
            "oscore_master_salt": Hex.encode((0..<8).map { salt[$0] }),
        ]
    }

    @Test("Rampart initiator, lakers responder (with message_4)")
    func rampartInitiator() throws {
        var crypto = try HostCrypto()
        let me = try Self.endpoint(crypto, own: "I", peer: "R")
        let peer = try PythonPeer(script: "lakers_peer.py", arguments: ["responder", "--keys", Self.keysURL.path, "--message-4"])

        let initiator = try EDHOCInitiator(suites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x37))
        var message1 = Self.buffer(), message3 = Self.buffer()
        let waitM2: EDHOCInitiatorWaitM2
        var written = 0
        do {
            var w = ByteWriter(message1.mutableSpan)
            waitM2 = try initiator.prepareMessage1(crypto: &crypto, into: &w)
            written = w.count
        }
        message1.removeSubrange(written...)
        try peer.send(Hex.encode(message1))

        let message2 = try #require(Hex.decode(try peer.receive()))
        let processing = try waitM2.processMessage2(crypto: crypto, message2: message2.span)
        #expect(processing.peerKeyID == me.peerCredential.keyID)
        let processed = try processing.verifyMessage2(crypto: crypto, staticKey: me.staticKey, credentialR: me.peerCredential)
        var done: EDHOCSession
        written = 0
        do {
            var w = ByteWriter(message3.mutableSpan)
            done = try processed.prepareMessage3(crypto: crypto, staticKey: me.staticKey, into: &w)
            written = w.count
        }
        message3.removeSubrange(written...)
        try peer.send(Hex.encode(message3))
        #expect(message1.count + message2.count + message3.count == 101)

        let message4 = try #require(Hex.decode(try peer.receive()))
        _ = try done.processMessage4(crypto: crypto, message4: message4.span)
        let theirs = try Self.result(try peer.receive())
        let ours = try Self.exported(done, crypto)
        for key in ours.keys.sorted() { #expect(ours[key] == theirs[key], "\(key)") }
        done.close()
    }

    @Test("lakers initiator, Rampart responder")
    func rampartResponder() throws {
        var crypto = try HostCrypto()
        let me = try Self.endpoint(crypto, own: "R", peer: "I")
        let peer = try PythonPeer(script: "lakers_peer.py", arguments: ["initiator", "--keys", Self.keysURL.path])

        let responder = try EDHOCResponder(supportedSuites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x27))
        let message1 = try #require(Hex.decode(try peer.receive()))
        let processingM1 = try responder.processMessage1(crypto: crypto, message1: message1.span)
        var message2 = Self.buffer()
        let waitM3: EDHOCResponderWaitM3
        var written = 0
        do {
            var w = ByteWriter(message2.mutableSpan)
            waitM3 = try processingM1.prepareMessage2(crypto: &crypto, staticKey: me.staticKey, into: &w)
            written = w.count
        }
        message2.removeSubrange(written...)
        try peer.send(Hex.encode(message2))

        let message3 = try #require(Hex.decode(try peer.receive()))
        let processingM3 = try waitM3.processMessage3(crypto: crypto, message3: message3.span)
        #expect(processingM3.peerKeyID == me.peerCredential.keyID)
        let session = try processingM3.verifyMessage3(crypto: crypto, credentialI: me.peerCredential)
        let theirs = try Self.result(try peer.receive())
        let ours = try Self.exported(session, crypto)
        for key in ours.keys.sorted() { #expect(ours[key] == theirs[key], "\(key)") }
        session.close()
    }

    @Test("a lakers initiator with the wrong key is refused at message_3")
    func impersonation() throws {
        var crypto = try HostCrypto()
        let me = try Self.endpoint(crypto, own: "R", peer: "I")
        // The peer claims CRED_I (kid 0x2b) but holds SK_R's key: MAC_3 cannot verify.
        var forged = try String(contentsOf: Self.keysURL, encoding: .utf8)
        forged = forged.replacingOccurrences(of: Hex.encode(Self.keys["SK_I"]!), with: Hex.encode(Self.keys["SK_R"]!))
        let forgedURL = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-forged-\(getpid()).json")
        try forged.write(to: forgedURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: forgedURL) }
        let peer = try PythonPeer(script: "lakers_peer.py", arguments: ["initiator", "--keys", forgedURL.path])

        let responder = try EDHOCResponder(supportedSuites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x27))
        let message1 = try #require(Hex.decode(try peer.receive()))
        let processingM1 = try responder.processMessage1(crypto: crypto, message1: message1.span)
        var message2 = Self.buffer()
        let waitM3: EDHOCResponderWaitM3
        var written = 0
        do {
            var w = ByteWriter(message2.mutableSpan)
            waitM3 = try processingM1.prepareMessage2(crypto: &crypto, staticKey: me.staticKey, into: &w)
            written = w.count
        }
        message2.removeSubrange(written...)
        try peer.send(Hex.encode(message2))
        let message3 = try #require(Hex.decode(try peer.receive()))
        let processingM3 = try waitM3.processMessage3(crypto: crypto, message3: message3.span)
        do {
            let session = try processingM3.verifyMessage3(crypto: crypto, credentialI: me.peerCredential)
            session.close()
            Issue.record("a forged message_3 was accepted")
        } catch {
            #expect(error == .macVerificationFailed)
        }
    }
}

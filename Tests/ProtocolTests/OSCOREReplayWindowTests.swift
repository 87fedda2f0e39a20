import Testing
import RampartHostCrypto
import RampartProtocol

/// The C.2 pair (client Sender ID 00, server Recipient ID 00) and the C.5 request.
enum OSCORETestPair {
    static let request = CoAPTestBytes.hex("440171c30000b932396c6f63616c686f737483747631")

    static func client(_ crypto: HostCrypto) throws -> OSCORESecurityContext {
        try OSCOREAppendixC.keyDerivation("C.2.1").context(crypto)
    }

    static func server(_ crypto: HostCrypto) throws -> OSCORESecurityContext {
        try OSCOREAppendixC.keyDerivation("C.2.2").context(crypto)
    }

    /// Protected requests with Partial IVs 0…count−1.
    static func requests(_ count: Int, crypto: HostCrypto) throws -> [[UInt8]] {
        var client = try client(crypto)
        return try (0..<count).map { _ in try OSCORETestRun.protectRequest(&client, request, crypto: crypto).bytes }
    }

    /// `protected` with one ciphertext byte (counted from the end of the message) flipped.
    static func corrupted(_ protected: [UInt8], byteFromEnd: Int) -> [UInt8] {
        var bytes = protected
        bytes[bytes.count - 1 - byteFromEnd] ^= 0x01
        return bytes
    }
}

@Suite("OSCORE replay window (RFC 8613 §7.4)")
struct OSCOREReplayWindowTests {
    @Test("a fresh window accepts anything once, then flags the duplicate")
    func duplicates() {
        var window = OSCOREReplayWindow()
        #expect(window.check(5) == .fresh)
        window.accept(5)
        #expect(window.check(5) == .duplicate)
        #expect(window.highest == 5)
    }

    @Test("out-of-order Partial IVs inside the window are accepted once each")
    func outOfOrder() {
        var window = OSCOREReplayWindow()
        window.accept(10)
        for piv: UInt64 in [7, 9, 8, 0] {
            #expect(window.check(piv) == .fresh, "PIV \(piv)")
            window.accept(piv)
            #expect(window.check(piv) == .duplicate, "PIV \(piv)")
        }
        #expect(window.check(6) == .fresh)
        #expect(window.highest == 10)
    }

    @Test("Partial IVs 32 or more below the highest are too old")
    func tooOld() {
        var window = OSCOREReplayWindow()
        window.accept(40)
        #expect(window.check(9) == .fresh)     // age 31: the window's last slot
        #expect(window.check(8) == .tooOld)    // age 32
        #expect(window.check(0) == .tooOld)
        window.accept(8)                       // not fresh: ignored
        #expect(window.check(8) == .tooOld && window.highest == 40)
    }

    @Test("far-ahead jumps slide the window and forget what fell out")
    func jumps() {
        var window = OSCOREReplayWindow()
        window.accept(1)
        window.accept(3)
        window.accept(1_000_000)
        #expect(window.check(1_000_000) == .duplicate)
        #expect(window.check(3) == .tooOld && window.check(1) == .tooOld)
        #expect(window.check(999_999) == .fresh)
        window.accept(1_000_002)                // shift by 2 keeps 1_000_000 marked
        #expect(window.check(1_000_000) == .duplicate)
        #expect(window.check(1_000_001) == .fresh)
        window.accept(1_000_002 + 31)
        #expect(window.check(1_000_002) == .duplicate)   // age 31
        #expect(window.check(1_000_000) == .tooOld)
        window.accept((1 << 40) - 1)
        #expect(window.check((1 << 40) - 1) == .duplicate && window.check(1_000_033) == .tooOld)
    }

    @Test("the server rejects a replayed request and does not count it in v")
    func replayedRequest() throws {
        let crypto = try HostCrypto()
        let request = try OSCORETestPair.requests(1, crypto: crypto)[0]
        var server = try OSCORETestPair.server(crypto)
        _ = try OSCORETestRun.unprotectRequest(&server, request, crypto: crypto)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, request, crypto: crypto)
        } == .replayDetected)
        #expect(server.usage.countV == 0)
    }

    @Test("the server accepts in-window reordering and rejects requests older than the window")
    func reorderedRequests() throws {
        let crypto = try HostCrypto()
        let requests = try OSCORETestPair.requests(41, crypto: crypto)
        var server = try OSCORETestPair.server(crypto)
        _ = try OSCORETestRun.unprotectRequest(&server, requests[40], crypto: crypto)
        _ = try OSCORETestRun.unprotectRequest(&server, requests[9], crypto: crypto)    // age 31
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, requests[8], crypto: crypto)    // age 32
        } == .replayDetected)
        _ = try OSCORETestRun.unprotectRequest(&server, requests[39], crypto: crypto)
        #expect(server.replayWindow.highest == 40)
    }

    @Test("a forged request does not move the window")
    func forgeryDoesNotUpdate() throws {
        let crypto = try HostCrypto()
        let request = try OSCORETestPair.requests(1, crypto: crypto)[0]
        var server = try OSCORETestPair.server(crypto)
        let forged = OSCORETestPair.corrupted(request, byteFromEnd: 0)
        #expect(OSCORETestRun.error { () throws(OSCOREError) in
            try OSCORETestRun.unprotectRequest(&server, forged, crypto: crypto)
        } == .decryptionFailed)
        #expect(server.replayWindow.highest == nil)
        let verified = try OSCORETestRun.unprotectRequest(&server, request, crypto: crypto)
        #expect(verified.bytes == OSCORETestPair.request)
    }
}

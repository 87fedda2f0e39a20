// HMAC-SHA-256 against RFC 4231 §4.2–4.8 (Tests/Vectors/rfc4231-hmac-sha256.txt).
import Testing
import RampartCrypto

@Suite struct HMACTests {
    private struct Case {
        let count: String, key: [UInt8], data: [UInt8], macByteCount: Int, mac: String
    }

    private static func cases() throws -> [Case] {
        try VectorFiles.cavpRecords("rfc4231-hmac-sha256.txt").map {
            Case(count: $0["COUNT"]!, key: hexBytes($0["Key"]!), data: hexBytes($0["Data"]!),
                 macByteCount: Int($0["MACLen"]!)!, mac: $0["HMAC-SHA-256"]!)
        }
    }

    @Test func rfc4231OneShot() throws {
        let cases = try Self.cases()
        #expect(cases.count == 7)
        for c in cases {
            let tag = HMACSHA256.authenticationCode(key: c.key.span, message: c.data.span)
            #expect(tag.array.prefix(c.macByteCount).hex == c.mac, "test case \(c.count)")
        }
    }

    @Test(arguments: [1, 5, 63, 64, 65])
    func rfc4231Streaming(chunkSize: Int) throws {
        for c in try Self.cases() {
            var mac = HMACSHA256(key: c.key.span)
            var offset = 0
            while offset < c.data.count {
                let end = min(offset + chunkSize, c.data.count)
                mac.update(c.data.span.extracting(offset..<end))
                offset = end
            }
            #expect(mac.finalize().array.prefix(c.macByteCount).hex == c.mac, "test case \(c.count)")
        }
    }

    /// RFC 2104 §2: a key longer than the block is replaced by its hash, so HMAC(K) equals
    /// HMAC(SHA-256(K)) from 65 bytes on; a 64-byte key is used as it is.
    @Test func keysLongerThanTheBlockAreHashed() {
        let message = Array("key length boundary".utf8)
        for length in [65, 100, 131, 200] {
            let key = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 1) }
            let hashedKey = SHA256.hash(key.span).array
            let direct = HMACSHA256.authenticationCode(key: key.span, message: message.span)
            let viaHash = HMACSHA256.authenticationCode(key: hashedKey.span, message: message.span)
            #expect(direct.array == viaHash.array, "key length \(length)")
        }
        let blockKey = (0..<64).map { UInt8(truncatingIfNeeded: $0 &+ 1) }
        let blockKeyHashed = SHA256.hash(blockKey.span).array
        #expect(HMACSHA256.authenticationCode(key: blockKey.span, message: message.span).array
            != HMACSHA256.authenticationCode(key: blockKeyHashed.span, message: message.span).array)
    }

    /// A keyed value copied before use MACs two messages independently.
    @Test func keyedStateCanBeCopied() throws {
        let cases = try Self.cases()
        let first = cases[0], second = cases[1]
        let keyed = HMACSHA256(key: first.key.span)
        var a = keyed, b = keyed
        a.update(first.data.span)
        b.update(second.data.span)
        #expect(a.finalize().array.hex == first.mac)
        #expect(b.finalize().array
            == HMACSHA256.authenticationCode(key: first.key.span, message: second.data.span).array)
    }
}

// SHA-256 against the NIST CAVP SHAVS byte-oriented vectors (Tests/Vectors/SHA256*Msg.rsp).
import Testing
import RampartCrypto

@Suite struct SHA256Tests {
    /// The message of a SHAVS record: `Len` bits of `Msg` ("00" stands for the empty message).
    private static func message(_ record: [String: String]) -> [UInt8] {
        let bits = Int(record["Len"]!)!
        let bytes = hexBytes(record["Msg"]!)
        return Array(bytes.prefix(bits / 8))
    }

    /// Hashes `message` through `update` calls of the given sizes, cycling through them.
    private static func streamed(_ message: [UInt8], chunkSizes: [Int]) -> [UInt8] {
        var context = SHA256()
        var offset = 0
        var index = 0
        let span = message.span
        while offset < message.count {
            let end = min(offset + chunkSizes[index % chunkSizes.count], message.count)
            context.update(span.extracting(offset..<end))
            offset = end
            index += 1
        }
        return context.finalize().array
    }

    @Test func shortMessagesOneShot() throws {
        let records = try VectorFiles.cavpRecords("SHA256ShortMsg.rsp")
        #expect(records.count == 65)
        for record in records {
            let digest = SHA256.hash(Self.message(record).span)
            #expect(digest.array.hex == record["MD"]!, "Len = \(record["Len"]!)")
        }
    }

    @Test func longMessagesOneShot() throws {
        let records = try VectorFiles.cavpRecords("SHA256LongMsg.rsp")
        #expect(records.count == 64)
        for record in records {
            let digest = SHA256.hash(Self.message(record).span)
            #expect(digest.array.hex == record["MD"]!, "Len = \(record["Len"]!)")
        }
    }

    /// Block boundaries fall everywhere: single bytes, sizes around 64, and a mix.
    @Test(arguments: [[1], [3, 61], [63], [64], [65], [127, 1, 7], [200]])
    func streamingEqualsOneShot(chunkSizes: [Int]) throws {
        let records = try VectorFiles.cavpRecords("SHA256ShortMsg.rsp")
            + VectorFiles.cavpRecords("SHA256LongMsg.rsp")
        #expect(records.count == 129)
        for record in records {
            let digest = Self.streamed(Self.message(record), chunkSizes: chunkSizes)
            #expect(digest.hex == record["MD"]!, "Len = \(record["Len"]!), chunks \(chunkSizes)")
        }
    }

    /// Padding edge cases (FIPS 180-4 §5.1.1): lengths 55, 56 and 63, 64 decide whether the
    /// length field needs an extra block. One-shot and byte-at-a-time must agree everywhere.
    @Test func paddingBoundariesAgreeAcrossChunkings() {
        for length in 0...200 {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ length) }
            let oneShot = SHA256.hash(message.span).array
            #expect(Self.streamed(message, chunkSizes: [1]) == oneShot, "length \(length)")
            #expect(Self.streamed(message, chunkSizes: [13, 64, 5]) == oneShot, "length \(length)")
        }
    }

    @Test func emptyUpdatesChangeNothing() {
        var context = SHA256()
        let empty: [UInt8] = []
        context.update(empty.span)
        context.update(Array("abc".utf8).span)
        context.update(empty.span)
        #expect(context.finalize().array == SHA256.hash(Array("abc".utf8).span).array)
    }

    @Test func constants() {
        #expect(SHA256.blockByteCount == 64)
        #expect(SHA256.digestByteCount == 32)
    }
}

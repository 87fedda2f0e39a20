// HMAC_DRBG (SHA-256) against the NIST CAVP DRBGVS vectors
// (Tests/Vectors/HMAC_DRBG_SHA256_no_reseed.rsp and HMAC_DRBG_SHA256_pr_false.rsp).
import Foundation
import Testing
import RampartCrypto

@Suite struct HMACDRBGTests {
    /// One DRBGVS record. `AdditionalInput` appears twice per record, once per Generate,
    /// which a dictionary would collapse, so records are read in order here.
    private struct Record {
        var count = ""
        var entropy: [UInt8] = [], nonce: [UInt8] = [], personalization: [UInt8] = []
        var entropyReseed: [UInt8]? = nil, additionalReseed: [UInt8] = []
        var additional: [[UInt8]] = []
        var returned: [UInt8] = []
    }

    private static func records(_ name: String) throws -> [Record] {
        var records: [Record] = []
        var current: Record? = nil
        for raw in try VectorFiles.text(name).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix("[") { continue }
            if line.isEmpty {
                if let record = current { records.append(record) }
                current = nil
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            var record = current ?? Record()
            switch key {
            case "COUNT": record.count = value
            case "EntropyInput": record.entropy = hexBytes(value)
            case "Nonce": record.nonce = hexBytes(value)
            case "PersonalizationString": record.personalization = hexBytes(value)
            case "EntropyInputReseed": record.entropyReseed = hexBytes(value)
            case "AdditionalInputReseed": record.additionalReseed = hexBytes(value)
            case "AdditionalInput": record.additional.append(hexBytes(value))
            case "ReturnedBits": record.returned = hexBytes(value)
            default: Issue.record("unexpected field \(key) in \(name)")
            }
            current = record
        }
        if let record = current { records.append(record) }
        return records
    }

    private static func generate(_ drbg: inout HMACDRBG, count: Int,
                                 additionalInput: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        var span = output.mutableSpan
        try drbg.generate(into: &span, additionalInput: additionalInput.span)
        return output
    }

    private static func fill(_ drbg: inout HMACDRBG, count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        var span = output.mutableSpan
        drbg.fill(&span)
        return output
    }

    /// The CAVS procedure: instantiate, (reseed,) generate and discard, generate and compare.
    private static func run(_ record: Record) throws -> [UInt8] {
        var drbg = HMACDRBG(entropy: record.entropy.span, nonce: record.nonce.span,
                            personalization: record.personalization.span)
        if let entropyReseed = record.entropyReseed {
            drbg.reseed(entropy: entropyReseed.span, additionalInput: record.additionalReseed.span)
        }
        _ = try generate(&drbg, count: record.returned.count, additionalInput: record.additional[0])
        return try generate(&drbg, count: record.returned.count, additionalInput: record.additional[1])
    }

    private static let seed = (entropy: [UInt8](repeating: 0x5a, count: 32),
                               nonce: [UInt8](repeating: 0xa5, count: 16))

    private static func seeded() -> HMACDRBG {
        HMACDRBG(entropy: seed.entropy.span, nonce: seed.nonce.span, personalization: [UInt8]().span)
    }

    @Test func cavpNoReseed() throws {
        let records = try Self.records("HMAC_DRBG_SHA256_no_reseed.rsp")
        #expect(records.count == 240)
        for record in records {
            #expect(record.entropyReseed == nil)
            #expect(record.additional.count == 2 && record.returned.count == 128)
            #expect(try Self.run(record) == record.returned, "COUNT = \(record.count)")
        }
    }

    @Test func cavpWithReseed() throws {
        let records = try Self.records("HMAC_DRBG_SHA256_pr_false.rsp")
        #expect(records.count == 240)
        for record in records {
            #expect(record.entropyReseed != nil)
            #expect(record.additional.count == 2 && record.returned.count == 128)
            #expect(try Self.run(record) == record.returned, "COUNT = \(record.count)")
        }
    }

    @Test func reseedChangesTheStream() throws {
        var plain = Self.seeded()
        var reseeded = plain
        reseeded.reseed(entropy: [UInt8](repeating: 0x33, count: 32).span, additionalInput: [UInt8]().span)
        #expect(try Self.generate(&plain, count: 32) != Self.generate(&reseeded, count: 32))
    }

    /// `fill` is `generate` without additional input, split into requests of at most
    /// 2^16 bytes (SP 800-90A §10.1 Table 2).
    @Test func fillMatchesGenerateInChunks() throws {
        var viaFill = Self.seeded()
        var viaGenerate = viaFill
        let count = HMACDRBG.maxBytesPerRequest + 100
        let filled = Self.fill(&viaFill, count: count)
        let first = try Self.generate(&viaGenerate, count: HMACDRBG.maxBytesPerRequest)
        let second = try Self.generate(&viaGenerate, count: 100)
        #expect(filled == first + second)
        #expect(Self.fill(&viaFill, count: 48) == (try Self.generate(&viaGenerate, count: 48)))
    }

    @Test func oversizedRequestIsRejectedWithoutChangingState() throws {
        #expect(HMACDRBG.maxBytesPerRequest == 65536)
        #expect(HMACDRBG.reseedInterval == 1 << 48)
        var drbg = Self.seeded()
        var twin = drbg
        #expect(throws: CryptoError.limitExceeded) {
            _ = try Self.generate(&drbg, count: HMACDRBG.maxBytesPerRequest + 1)
        }
        #expect(try Self.generate(&drbg, count: 64) == Self.generate(&twin, count: 64))
    }

    @Test func wipedGeneratorRefusesUntilReseeded() throws {
        var drbg = Self.seeded()
        drbg.wipe()
        #expect(throws: CryptoError.limitExceeded) { _ = try Self.generate(&drbg, count: 16) }
        drbg.reseed(entropy: Self.seed.entropy.span, additionalInput: [UInt8]().span)
        #expect(try Self.generate(&drbg, count: 16).count == 16)
    }

    @Test func emptyFillLeavesStateAlone() throws {
        var drbg = Self.seeded()
        var twin = drbg
        _ = Self.fill(&drbg, count: 0)
        #expect(try Self.generate(&drbg, count: 32) == Self.generate(&twin, count: 32))
    }
}

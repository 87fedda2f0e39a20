import RampartCrypto
import RampartPlatform
import RampartSelfTest
import Testing

/// Collects what the self-test prints.
struct BufferConsole: Console {
    var bytes: [UInt8] = []
    mutating func write(byte: UInt8) { bytes.append(byte) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A random source that repeats one byte: what a broken RNG looks like.
struct StuckRandom: RandomSource {
    mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count { buffer[i] = 0x42 }
    }
}

@Suite struct SelfTestOnHostTests {
    /// The board self-test suite, run on the host with a DRBG as its random source.
    @Test func boardSelfTestPassesOnHost() {
        var report = SelfTestReport(output: BufferConsole())
        let seed = Bytes32(repeating: 7)
        var random = HMACDRBG(entropy: seed.span, nonce: seed.span, personalization: seed.span)
        runSelfTest(&report, entropy: &random)
        let passed = report.finish()
        #expect(passed, "\(report.output.text)")
        #expect(report.failed == 0)
        // 82 checks: the primitives, EDHOC trace 2 and suite 0, OSCORE Appendix C, entropy.
        #expect(report.passed >= 80)
        #expect(report.output.text.hasSuffix("self-test: \(report.passed) passed, 0 failed\n"))

        // The report prints only failures, so the OSCORE checks are counted on their own: every
        // fact of RFC 8613 C.1-C.8 ran and passed (the floor above holds only with them).
        var oscore = SelfTestReport(output: BufferConsole())
        checkOSCOREAppendixC(&oscore)
        #expect(oscore.failed == 0, "\(oscore.output.text)")
        #expect(oscore.passed == Self.oscoreAppendixCChecks)
    }

    /// C.1-C.3: five values for each of six contexts; C.4-C.6 and C.7-C.8: two per message.
    static let oscoreAppendixCChecks = 6 * 5 + 3 * 2 + 2 * 2

    /// The entropy check catches a stuck source, and the summary reports the failure.
    @Test func stuckRandomSourceFails() {
        var report = SelfTestReport(output: BufferConsole())
        var random = StuckRandom()
        runSelfTest(&report, entropy: &random)
        let passed = report.finish()
        #expect(!passed)
        #expect(report.failed == 2)
        #expect(report.output.text.contains("FAIL entropy: two draws differ"))
        #expect(report.output.text.contains("self-test: \(report.passed) passed, 2 failed"))
    }

    @Test func consolePrintsDecimalAndHexWithoutDivision() {
        var console = BufferConsole()
        console.write(decimal: UInt64(0))
        console.write(" ")
        console.write(decimal: UInt64.max)
        console.write(" ")
        console.write(decimal: -42)
        console.write(" ")
        console.write(hex32: 0xDEAD_BEEF)
        #expect(console.text == "0 18446744073709551615 -42 0xdeadbeef")
    }
}

import RampartCrypto
import RampartPlatform

/// Every self-test group, in order. Runs on the boards (firmware self-test image) and on the
/// host (CryptoTests), so a vector that passes here passes on the device too.
public func runSelfTest<Output: Console, Entropy: RandomSource>(
    _ report: inout SelfTestReport<Output>, entropy: inout Entropy
) {
    checkConstantTime(&report)
    checkSHA256(&report)
    checkHMACAndHKDF(&report)
    checkHMACDRBG(&report)
    checkAESAndCCM(&report)
    checkX25519(&report)
    checkP256(&report)
    checkEDHOCTrace2(&report)
    checkEDHOCSuiteNegotiation(&report)
    checkEDHOCSuite0(&report)
    checkOSCOREAppendixC(&report)
    checkEntropy(&report, &entropy)
}

func checkConstantTime<Output: Console>(_ report: inout SelfTestReport<Output>) {
    var a = Bytes32(repeating: 0x5A)
    var b = Bytes32(repeating: 0x5A)
    report.check(constantTimeEqual(a.span, b.span), "constantTimeEqual equal inputs")
    b[31] = 0x5B
    report.check(!constantTimeEqual(a.span, b.span), "constantTimeEqual last byte differs")
    b[31] = 0x5A
    b[0] = 0
    report.check(!constantTimeEqual(a.span, b.span), "constantTimeEqual first byte differs")
    a.wipe()
    var allZero = true
    for i in 0..<a.count where a[i] != 0 { allZero = false }
    report.check(allZero, "wipe zeroes")
}

/// Not a statistical test: catches a random source stuck at one value or returning zeros.
func checkEntropy<Output: Console, Entropy: RandomSource>(
    _ report: inout SelfTestReport<Output>, _ entropy: inout Entropy
) {
    let first = entropy.bytes32()
    let second = entropy.bytes32()
    report.check(!constantTimeEqual(first.span, second.span), "entropy: two draws differ")
    var distinct = 0
    for i in 1..<first.count where first[i] != first[0] { distinct += 1 }
    report.check(distinct > 0, "entropy: not a constant byte")
}

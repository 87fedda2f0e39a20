import RampartCrypto
import RampartPlatform

// Known-answer tests of every primitive, small enough to run on a 16 KB board. The full
// vector files run on the host (Tests/CryptoTests); these are a subset of the same facts,
// each with its source.

func checkSHA256<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // FIPS 180-2 Appendix B.1 and B.2 ("abc", and the two-block message).
    let abc: InlineArray<3, UInt8> = hex("616263")
    report.check(equal(SHA256.hash(abc.span),
                       hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")), "SHA-256 abc")
    let twoBlock: InlineArray<56, UInt8> = hex(
        "6162636462636465636465666465666765666768666768696768696a68696a6b696a6b6c6a6b6c6d6b6c6d6e6c6d6e6f6d6e6f706e6f7071")
    let expected: Bytes32 = hex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    report.check(equal(SHA256.hash(twoBlock.span), expected), "SHA-256 two blocks")
    var streaming = SHA256()
    streaming.update(twoBlock.span.extracting(0..<13))
    streaming.update(twoBlock.span.extracting(13..<56))
    report.check(equal(streaming.finalize(), expected), "SHA-256 streaming")
}

func checkHMACAndHKDF<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // RFC 4231 §4.3, test case 2.
    let key: InlineArray<4, UInt8> = hex("4a656665")
    let data: InlineArray<28, UInt8> = hex("7768617420646f2079612077616e7420666f72206e6f7468696e673f")
    report.check(equal(HMACSHA256.authenticationCode(key: key.span, message: data.span),
                       hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")), "HMAC-SHA-256 RFC 4231 #2")

    // RFC 5869 Appendix A.1.
    let ikm = InlineArray<22, UInt8>(repeating: 0x0b)
    let salt: InlineArray<13, UInt8> = hex("000102030405060708090a0b0c")
    let info: InlineArray<10, UInt8> = hex("f0f1f2f3f4f5f6f7f8f9")
    let prk = HKDF.extract(salt: salt.span, ikm: ikm.span)
    report.check(equal(prk, hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")), "HKDF-Extract RFC 5869 A.1")
    var okm = InlineArray<42, UInt8>(repeating: 0)
    var okmSpan = okm.mutableSpan
    let expanded = (try? HKDF.expand(prk: prk.span, info: info.span, into: &okmSpan)) != nil
    report.check(expanded && equal(okm, hex(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")), "HKDF-Expand RFC 5869 A.1")
}

func checkHMACDRBG<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // NIST CAVP HMAC_DRBG.rsp (no reseed), [SHA-256], no personalization, COUNT = 0:
    // instantiate, generate 1024 bits twice, compare the second output.
    let entropy: Bytes32 = hex("ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488")
    let nonce: Bytes16 = hex("659ba96c601dc69fc902940805ec0ca8")
    let none = InlineArray<0, UInt8>(repeating: 0)
    var drbg = HMACDRBG(entropy: entropy.span, nonce: nonce.span, personalization: none.span)
    var output = InlineArray<128, UInt8>(repeating: 0)
    var span = output.mutableSpan
    let generated = (try? drbg.generate(into: &span, additionalInput: none.span)) != nil
        && (try? drbg.generate(into: &span, additionalInput: none.span)) != nil
    let firstHalf: InlineArray<64, UInt8> = hex(
        "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc1")
    let secondHalf: InlineArray<64, UInt8> = hex(
        "07694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8")
    var matches = generated
    for i in 0..<64 where output[i] != firstHalf[i] || output[64 + i] != secondHalf[i] { matches = false }
    report.check(matches, "HMAC-DRBG CAVP SHA-256 #0")
    drbg.wipe()
}

func checkAESAndCCM<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // FIPS 197 Appendix C.1.
    let aes = AES128(key: hex("000102030405060708090a0b0c0d0e0f"))
    var block: Bytes16 = hex("00112233445566778899aabbccddeeff")
    aes.encrypt(block: &block)
    report.check(equal(block, hex("69c4e0d86a7b0430d8cdb78070b4c55a")), "AES-128 FIPS 197 C.1")

    // RFC 3610 §8, packet vector #1: 8 header octets (AAD), 23 octets of payload, M = 8.
    let key: Bytes16 = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf")
    let nonce: InlineArray<13, UInt8> = hex("00000003020100a0a1a2a3a4a5")
    let aad: InlineArray<8, UInt8> = hex("0001020304050607")
    let payload: InlineArray<23, UInt8> = hex("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e")
    let expected: InlineArray<31, UInt8> = hex("588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0")
    guard let ccm = try? CCM(cipher: AES128(key: key), tagLength: 8) else {
        report.check(false, "CCM init")
        return
    }
    var sealed = InlineArray<31, UInt8>(repeating: 0)
    var sealedSpan = sealed.mutableSpan
    let didSeal = (try? ccm.seal(nonce: nonce.span, aad: aad.span, plaintext: payload.span, into: &sealedSpan)) != nil
    report.check(didSeal && equal(sealed, expected), "AES-CCM RFC 3610 #1 seal")

    var opened = InlineArray<23, UInt8>(repeating: 0)
    var openedSpan = opened.mutableSpan
    let didOpen = (try? ccm.open(nonce: nonce.span, aad: aad.span, ciphertextAndTag: expected.span, into: &openedSpan)) != nil
    report.check(didOpen && equal(opened, payload), "AES-CCM RFC 3610 #1 open")

    var forged = expected
    forged[30] ^= 0x01
    var scratch = InlineArray<23, UInt8>(repeating: 0)
    var scratchSpan = scratch.mutableSpan
    var rejected = false
    do throws(CryptoError) {
        try ccm.open(nonce: nonce.span, aad: aad.span, ciphertextAndTag: forged.span, into: &scratchSpan)
    } catch {
        rejected = error == .authenticationFailed
    }
    report.check(rejected, "AES-CCM rejects a forged tag")
}

func checkX25519<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // RFC 7748 §5.2, first vector; §6.1 Diffie-Hellman.
    report.check(equal(X25519.scalarMult(scalar: hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                                         uCoordinate: hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")),
                       hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")), "X25519 RFC 7748 5.2")
    let alicePrivate: Bytes32 = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    let bobPublic: Bytes32 = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    report.check(equal(X25519.publicKey(privateKey: alicePrivate),
                       hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")), "X25519 RFC 7748 6.1 public key")
    let shared = try? X25519.sharedSecret(privateKey: alicePrivate, publicKey: bobPublic)
    report.check(shared.map { equal($0, hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")) } ?? false,
                 "X25519 RFC 7748 6.1 shared secret")
    var weak = false
    do throws(CryptoError) {
        _ = try X25519.sharedSecret(privateKey: alicePrivate, publicKey: .zero)
    } catch {
        weak = error == .weakSharedSecret
    }
    report.check(weak, "X25519 rejects a low-order public key")
}

func checkP256<Output: Console>(_ report: inout SelfTestReport<Output>) {
    // NIST CAVP KAS ECC CDH primitive, [P-256] COUNT = 0.
    let peerX: Bytes32 = hex("700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287")
    let peerY: Bytes32 = hex("db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac")
    let privateKey: Bytes32 = hex("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534")
    let publicX: Bytes32 = hex("ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230")
    let publicY: Bytes32 = hex("28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141")
    let shared: Bytes32 = hex("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b")

    let own = try? P256.publicKey(privateKey: privateKey)
    report.check(own.map { equal($0.x, publicX) && equal($0.y, publicY) } ?? false, "P-256 public key CAVP #0")

    var encoded = InlineArray<65, UInt8>(repeating: 0x04)
    for i in 0..<32 {
        encoded[1 + i] = peerX[i]
        encoded[33 + i] = peerY[i]
    }
    let peer = try? P256.decodePublicKey(sec1: encoded.span)
    let z = peer.flatMap { try? P256.ecdh(privateKey: privateKey, publicKey: $0) }
    report.check(z.map { equal($0, shared) } ?? false, "P-256 ECDH CAVP #0")
    let zFromX = try? P256.ecdh(privateKey: privateKey, publicKeyX: peerX)
    report.check(zFromX.map { equal($0, shared) } ?? false, "P-256 ECDH from x only")

    encoded[64] ^= 0x01
    var offCurve = false
    do throws(CryptoError) {
        _ = try P256.decodePublicKey(sec1: encoded.span)
    } catch {
        offCurve = error == .invalidPublicKey
    }
    report.check(offCurve, "P-256 rejects an off-curve point")
    report.check(!P256.isValidPrivateKey(.zero), "P-256 rejects private key 0")
}

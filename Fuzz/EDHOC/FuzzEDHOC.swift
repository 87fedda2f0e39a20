// libFuzzer target for the EDHOC message parsers (Firmware/Protocol/EDHOC): arbitrary bytes
// as message_1 (Responder), message_2 (Initiator waiting after trace 2's message_1), an
// error message and a CCS credential. Nothing may trap; whatever is accepted must be sane.
import FuzzSupport
import RampartCrypto
import RampartProtocol

@main enum Main {
    static func main() { fuzzMain("fuzz-edhoc", EDHOCFuzzer.run) }
}

/// Deterministic "randomness": the fuzz target must be reproducible.
struct CounterRandom: RandomSource {
    var next: UInt8 = 1
    mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count { buffer[i] = next; next &+= 1 }
    }
}

enum EDHOCFuzzer {
    static func run(_ input: Span<UInt8>) {
        var crypto = SoftwareCrypto(random: CounterRandom())
        // As message_1 at a Responder supporting both suites.
        if let responder = try? EDHOCResponder(supportedSuites: EDHOCSuites(0, 2), connectionID: EDHOCIdentifier(byte: 0x27)) {
          do {
            let processing = try responder.processMessage1(crypto: crypto, message1: input)
            fuzzInvariant(processing.selectedSuite == 0 || processing.selectedSuite == 2, "unsupported suite selected")
          } catch {}
        }
        // As message_2 at an Initiator that sent message_1 (ephemeral key fixed).
        if let initiator = try? EDHOCInitiator(suites: EDHOCSuites(2), connectionID: EDHOCIdentifier(byte: 0x37)) {
            var buffer = InlineArray<64, UInt8>(repeating: 0)
            var writer = ByteWriter(buffer.mutableSpan)
            var x = Bytes32(repeating: 0x11)
            x[0] = 0x01
            if let waitM2 = try? initiator.prepareMessage1(crypto: &crypto, ephemeralKey: x, into: &writer) {
                do {
                    let processing = try waitM2.processMessage2(crypto: crypto, message2: input)
                    processing.abort()
                } catch {}
            }
        }
        if let error = EDHOCErrorMessage(parsing: input) { fuzzInvariant(error.code != 0, "ERR_CODE 0 accepted") }
        if let credential = try? EDHOCCredential(ccs: input) {
            fuzzInvariant(credential.bytes.count == input.count, "credential bytes differ from the input")
        }
        _ = try? EDHOCSuites(encoded: input)
    }
}

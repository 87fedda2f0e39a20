// libFuzzer target for the CoAP message parser and the OSCORE option parsers
// (Firmware/Protocol/CoAP, Firmware/Protocol/OSCORE): arbitrary datagrams.
import FuzzSupport
import RampartProtocol

@main enum Main {
    static func main() { fuzzMain("fuzz-coap", CoAPFuzzer.run) }
}

enum CoAPFuzzer {
    static func run(_ input: Span<UInt8>) {
        if let message = try? CoAPMessage(parsing: input) {
            // Options come out in ascending order, and no more of them than the limit.
            var iterator = message.options.makeIterator()
            var previous: UInt16 = 0
            var count = 0
            while let option = iterator.next() {
                fuzzInvariant(option.number.rawValue >= previous, "options out of order")
                previous = option.number.rawValue
                count += 1
                _ = try? option.uintValue()
            }
            fuzzInvariant(count <= CoAPLimits.optionCountMax, "more options than CoAPLimits allows")
            fuzzInvariant(message.token.count <= 8, "token longer than 8 bytes")
            if let value = message.options.first(CoAPOptionNumber.oscore) { _ = try? OSCOREOptionValue(parsing: value) }
            _ = EDHOCOverCoAP.isEDHOCRequest(message)
            if message.payload.count > 0 { _ = try? EDHOCOverCoAP.parseRequestPayload(message.payload) }
        }
        _ = try? OSCOREProtectedMessage(parsing: input)
        _ = try? OSCOREOptionValue(parsing: input)
    }
}

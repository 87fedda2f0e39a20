// libFuzzer target for the serial frame decoder (Firmware/Protocol/Framing): arbitrary bytes
// as they might arrive on a noisy UART.
import FuzzSupport
import RampartProtocol

@main enum Main {
    static func main() { fuzzMain("fuzz-framing", FramingFuzzer.run) }
}

enum FramingFuzzer {
    static func run(_ input: Span<UInt8>) {
        decodeArbitraryBytes(input, with: SerialFrameDecoder<64>())
        decodeArbitraryBytes(input, with: SerialFrameDecoder512())
        roundTrip(input)
    }

    /// Feeds the input as line noise. Every payload delivered must fit the decoder, and
    /// re-encoding it and decoding that again must give the same payload. Whatever the noise
    /// left the decoder in, a frame sent after it must come through.
    static func decodeArbitraryBytes<let capacity: Int>(_ input: Span<UInt8>,
                                                       with decoder: consuming SerialFrameDecoder<capacity>) {
        var delivered: UInt32 = 0
        var delimiters: UInt32 = 0
        for i in 0..<input.count {
            if input[i] == SerialFraming.delimiter { delimiters += 1 }
            guard let payload = decoder.feed(input[i]) else { continue }
            delivered += 1
            fuzzInvariant(input[i] == SerialFraming.delimiter, "a frame ended on a non-delimiter")
            fuzzInvariant(payload.count <= capacity, "payload longer than the decoder's capacity")
            let again = fuzzBytes(payload)
            again.withUnsafeBufferPointer { reencodeAndDecode($0.span) }
        }
        fuzzInvariant(decoder.frameCount == delivered, "frameCount differs from frames delivered")
        // Each frame, good or dropped, is counted once and ends at a delimiter (an oversized
        // one may be counted before its delimiter arrives).
        fuzzInvariant(UInt64(decoder.frameCount) + UInt64(decoder.droppedFrameCount) <= UInt64(delimiters) + 1,
                      "more frames counted than delimiters seen")

        // Resynchronisation: a frame after arbitrary noise is decoded.
        let probe: [UInt8] = [0x44, 0x02, 0x00, 0x01, 0xB4]
        // (The noise's unfinished tail, ended by the probe's leading delimiter, may itself be a
        // valid frame: 01 01 01 01 01 is the empty payload with its CRC, 00000000.)
        let before = decoder.frameCount
        let wire = frame(probe)
        var got: [[UInt8]] = []
        for byte in wire {
            if let payload = decoder.feed(byte) { got.append(fuzzBytes(payload)) }
        }
        fuzzInvariant(got.last == probe && got.count <= 2, "a frame after noise was not decoded")
        fuzzInvariant(decoder.frameCount == before + UInt32(got.count), "frames after noise miscounted")
    }

    /// The input itself as a payload: encode, check the wire format, decode.
    static func roundTrip(_ input: Span<UInt8>) {
        guard input.count <= SerialFraming.maxPayloadByteCount else { return }
        let wire = fuzzBytes(input).withUnsafeBufferPointer { frame($0) }
        fuzzInvariant(wire.count == SerialFrameEncoder.encodedByteCount(input), "encodedByteCount is not exact")
        fuzzInvariant(wire.count <= SerialFraming.maxFrameByteCount(payloadByteCount: input.count),
                      "frame longer than maxFrameByteCount")
        fuzzInvariant(wire.first == 0 && wire.last == 0, "frame not delimited on both sides")
        fuzzInvariant(!wire.dropFirst().dropLast().contains(0), "a zero byte inside a frame")
        var decoder = SerialFrameDecoder512()
        var frames = 0
        for byte in wire {
            guard let payload = decoder.feed(byte) else { continue }
            frames += 1
            fuzzInvariant(fuzzEqual(payload, input), "round trip changed the payload")
        }
        fuzzInvariant(frames == 1 && decoder.droppedFrameCount == 0, "round trip did not give exactly one frame")
    }

    /// A fresh decoder must deliver exactly `payload` from its encoding.
    static func reencodeAndDecode(_ payload: Span<UInt8>) {
        let wire = fuzzBytes(payload).withUnsafeBufferPointer { frame($0) }
        var decoder = SerialFrameDecoder512()
        var frames = 0
        for byte in wire {
            guard let decoded = decoder.feed(byte) else { continue }
            frames += 1
            fuzzInvariant(fuzzEqual(decoded, payload), "re-encoded payload decodes differently")
        }
        fuzzInvariant(frames == 1, "re-encoded payload did not decode to exactly one frame")
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBufferPointer { frame($0) }
    }

    static func frame(_ payload: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SerialFraming.maxFrameByteCount)
        let count = out.withUnsafeMutableBufferPointer { buffer -> Int in
            var writer = ByteWriter(buffer.mutableSpan)
            do throws(SerialFramingError) {
                try SerialFrameEncoder.encode(payload.span, into: &writer)
            } catch {
                fuzzInvariant(false, "encoder refused a payload within the maximum")
            }
            return writer.count
        }
        return Array(out[0..<count])
    }
}

import Testing
import RampartProtocol

/// Encodes `payload` as one serial frame and returns the wire bytes.
private func serialFrame(_ payload: [UInt8]) throws -> [UInt8] {
    var out = [UInt8](repeating: 0xAA, count: SerialFraming.maxFrameByteCount + 8)
    let written = try out.withUnsafeMutableBufferPointer { buffer throws(SerialFramingError) -> Int in
        var writer = ByteWriter(buffer.mutableSpan)
        try payload.withUnsafeBufferPointer { p throws(SerialFramingError) in
            try SerialFrameEncoder.encode(p.span, into: &writer)
        }
        return writer.count
    }
    return Array(out[0..<written])
}

/// Feeds `wire` to `decoder` and returns every payload it delivers.
private func decodeFrames<let capacity: Int>(_ wire: [UInt8], with decoder: inout SerialFrameDecoder<capacity>) -> [[UInt8]] {
    var frames: [[UInt8]] = []
    for byte in wire {
        if let payload = decoder.feed(byte) {
            frames.append((0..<payload.count).map { payload[$0] })
        }
    }
    return frames
}

/// A deterministic byte pattern (xorshift32), so failures reproduce.
private func patternBytes(count: Int, seed: UInt32) -> [UInt8] {
    var state = seed | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 17; state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    }
}

@Suite("Serial framing (COBS + CRC-32)")
struct FramingTests {
    @Test("CRC-32/ISO-HDLC check value for \"123456789\"")
    func crcCheckValue() {
        let text = Array("123456789".utf8)
        #expect(text.withUnsafeBufferPointer { CRC32.checksum($0.span) } == 0xCBF4_3926)
        #expect([UInt8]().withUnsafeBufferPointer { CRC32.checksum($0.span) } == 0)
    }

    @Test("a known frame: COBS blocks, CRC little-endian, delimiters on both sides")
    func knownFrame() throws {
        // Payload 11 00 22; CRC-32 computed independently (Python: zlib.crc32(b"\x11\x00\x22")).
        let crc = [UInt8(0x11), 0x00, 0x22].withUnsafeBufferPointer { CRC32.checksum($0.span) }
        #expect(crc == 0x37C5_51B1)
        // Body 11 00 22 B1 51 C5 37 → blocks [11] and [22 B1 51 C5 37].
        #expect(try serialFrame([0x11, 0x00, 0x22])
                == [0x00, 0x02, 0x11, 0x06, 0x22, 0xB1, 0x51, 0xC5, 0x37, 0x00])
        // The empty payload: its CRC is 00000000, four zeros in COBS.
        #expect(try serialFrame([]) == [0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00])
    }

    @Test("round trip for every length from 0 to the maximum, random and all-zero payloads")
    func roundTripAllLengths() throws {
        var decoder = SerialFrameDecoder512()
        for length in 0...SerialFraming.maxPayloadByteCount {
            for payload in [patternBytes(count: length, seed: UInt32(length) &+ 7),
                            [UInt8](repeating: 0, count: length)] {
                let wire = try serialFrame(payload)
                #expect(wire.count <= SerialFraming.maxFrameByteCount(payloadByteCount: length))
                #expect(wire.first == 0 && wire.last == 0 && !wire.dropFirst().dropLast().contains(0))
                #expect(decodeFrames(wire, with: &decoder) == [payload], "length \(length)")
            }
        }
        #expect(decoder.frameCount == 2 * UInt32(SerialFraming.maxPayloadByteCount + 1))
        #expect(decoder.droppedFrameCount == 0)
    }

    @Test("COBS block boundaries: bodies of 253, 254 and 255 non-zero bytes and their neighbours",
          arguments: [248, 249, 250, 251, 252, 253, 254, 255, 500, 504, 505, 506, 507, 508, 512])
    func blockBoundaries(payloadByteCount: Int) throws {
        // Non-zero payload and a CRC with no zero byte: the body is one run of non-zero bytes,
        // so the COBS code bytes sit exactly at multiples of 254.
        var payload = [UInt8](repeating: 0x5A, count: payloadByteCount)
        var salt: UInt8 = 1
        while payload.withUnsafeBufferPointer({ crcHasZeroByte(CRC32.checksum($0.span)) }) {
            payload[0] = salt; salt += 1
        }
        let wire = try serialFrame(payload)
        let body = payloadByteCount + SerialFraming.checkByteCount
        let blocks = (body + 253) / 254
        #expect(wire.count == 2 + body + blocks)
        #expect(wire[1] == UInt8(min(body, 254) + 1))
        var decoder = SerialFrameDecoder512()
        #expect(decodeFrames(wire, with: &decoder) == [payload])
    }

    @Test("a 254-byte non-zero run followed by a zero", arguments: [0, 1, 2, 250, 251])
    func fullBlockThenZero(extra: Int) throws {
        let payload = [UInt8](repeating: 0x33, count: 254) + [0] + [UInt8](repeating: 0x44, count: extra)
        var decoder = SerialFrameDecoder512()
        #expect(decodeFrames(try serialFrame(payload), with: &decoder) == [payload])
    }

    @Test("noise before the first delimiter is discarded; the frame after it decodes")
    func noiseBeforeFirstFrame() throws {
        let payload: [UInt8] = [0x40, 0x01, 0x12, 0x34]
        var decoder = SerialFrameDecoder512()
        let wire = [0x13, 0x99, 0xFF, 0x02, 0x07] + (try serialFrame(payload))
        #expect(decodeFrames(wire, with: &decoder) == [payload])
        #expect(decoder.droppedFrameCount == 0)
    }

    @Test("noise between frames is dropped and counted; both frames decode")
    func noiseBetweenFrames() throws {
        let first: [UInt8] = [0x50, 0x02, 0x00, 0x01]
        let second: [UInt8] = [0x60, 0x45, 0xAB, 0xCD, 0x00]
        var decoder = SerialFrameDecoder512()
        // 03 41 42 ends inside a block (malformed); 05 11 22 33 44 is a whole block whose
        // "CRC" does not match; 01 is a body too short to hold a CRC.
        let noise: [UInt8] = [0x03, 0x41, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0x00, 0x01]
        let wire = (try serialFrame(first)) + noise + (try serialFrame(second))
        #expect(decodeFrames(wire, with: &decoder) == [first, second])
        #expect(decoder.malformedFrameCount == 2)
        #expect(decoder.checksumMismatchCount == 1)
        #expect(decoder.oversizedFrameCount == 0)
    }

    @Test("a corrupted byte is caught by the CRC and the next frame still decodes")
    func corruptedByte() throws {
        let first = patternBytes(count: 40, seed: 3)
        let second = patternBytes(count: 41, seed: 4)
        var corrupted = try serialFrame(first)
        // Flip a data byte (not a code byte: the frame stays well-formed COBS).
        corrupted[5] = corrupted[5] == 0x01 ? 0x02 : corrupted[5] ^ 0x01
        #expect(!corrupted.dropFirst().dropLast().contains(0))
        var decoder = SerialFrameDecoder512()
        #expect(decodeFrames(corrupted + (try serialFrame(second)), with: &decoder) == [second])
        #expect(decoder.droppedFrameCount == 1)
    }

    @Test("every single-bit error in a frame is detected")
    func everySingleBitError() throws {
        let payload = patternBytes(count: 60, seed: 9)
        let wire = try serialFrame(payload)
        for index in 1..<(wire.count - 1) {
            for bit in 0..<8 {
                var bad = wire
                bad[index] ^= 1 << bit
                var decoder = SerialFrameDecoder512()
                let frames = decodeFrames(bad + [0], with: &decoder)
                #expect(frames.isEmpty, "bit \(bit) of byte \(index)")
                #expect(decoder.droppedFrameCount >= 1)
            }
        }
    }

    @Test("an over-long frame is dropped and counted; the next one decodes")
    func overlongFrame() throws {
        var small = SerialFrameDecoder<16>()
        let long = patternBytes(count: 17, seed: 5)
        let fits = patternBytes(count: 16, seed: 6)
        let wire = (try serialFrame(long)) + (try serialFrame(fits)) + (try serialFrame(long))
        #expect(decodeFrames(wire, with: &small) == [fits])
        #expect(small.oversizedFrameCount == 2)
        #expect(small.frameCount == 1)
        #expect(small.droppedFrameCount == 2)

        // A stream of non-zero bytes far longer than any frame is dropped once.
        var decoder = SerialFrameDecoder512()
        let runaway = [0] + [UInt8](repeating: 0x7F, count: 5000) + (try serialFrame(fits))
        #expect(decodeFrames(runaway, with: &decoder) == [fits])
        #expect(decoder.oversizedFrameCount == 1)
    }

    @Test("the encoder refuses payloads over the maximum and buffers too small, writing nothing")
    func encoderLimits() throws {
        #expect(throws: SerialFramingError.payloadTooLong) {
            try serialFrame([UInt8](repeating: 1, count: SerialFraming.maxPayloadByteCount + 1))
        }
        let payload: [UInt8] = [1, 2, 3]
        let needed = payload.withUnsafeBufferPointer { SerialFrameEncoder.encodedByteCount($0.span) }
        #expect(needed == 2 + 7 + 1)
        var out = [UInt8](repeating: 0xEE, count: needed - 1)
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int in
            var writer = ByteWriter(buffer.mutableSpan)
            let error = payload.withUnsafeBufferPointer { p -> SerialFramingError? in
                do throws(SerialFramingError) {
                    try SerialFrameEncoder.encode(p.span, into: &writer)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(error == .outputTooSmall)
            return writer.count
        }
        #expect(written == 0 && out.allSatisfy { $0 == 0xEE })
    }

    @Test("a frame split over many feeds; idle delimiters between frames are ignored")
    func splitAndBackToBack() throws {
        let a = patternBytes(count: 300, seed: 11)
        let b: [UInt8] = []
        let c = [UInt8](repeating: 0, count: 7)
        // Frames written back to back share nothing; the idle pattern 00 00 is ignored.
        let wire = (try serialFrame(a)) + [0, 0, 0] + (try serialFrame(b)) + (try serialFrame(c))
        var decoder = SerialFrameDecoder512()
        var frames: [[UInt8]] = []
        var position = 0
        var chunk = 1
        while position < wire.count {
            let end = min(wire.count, position + chunk)
            wire[position..<end].withUnsafeBufferPointer { part in
                decoder.feed(part.span) { payload in frames.append((0..<payload.count).map { payload[$0] }) }
            }
            position = end
            chunk = chunk % 5 + 1
        }
        #expect(frames == [a, b, c])
        #expect(decoder.droppedFrameCount == 0)
    }

    @Test("declared limits agree with each other")
    func limits() {
        #expect(SerialFrameDecoder512.payloadCapacity == SerialFraming.maxPayloadByteCount)
        #expect(SerialFraming.maxFrameByteCount == 2 + 516 + 3)
    }
}

private func crcHasZeroByte(_ crc: UInt32) -> Bool {
    (0..<4).contains { (crc >> (8 * UInt32($0))) & 0xFF == 0 }
}

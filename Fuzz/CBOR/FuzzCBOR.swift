// libFuzzer target for the strict CBOR decoder (Firmware/Protocol/CBOR): arbitrary bytes as
// an attacker might put them in any EDHOC, COSE or OSCORE field.
import FuzzSupport
import RampartProtocol

@main enum Main {
    static func main() { fuzzMain("fuzz-cbor", CBORFuzzer.run) }
}

enum CBORFuzzer {
    static func run(_ input: Span<UInt8>) {
        readItemSequence(input)
        if input.count > 0 {
            // First byte: how many of the next bytes are a schedule of typed reads.
            let scheduleCount = min(Int(input[0] & 0x0F), input.count - 1)
            typedReads(schedule: input.extracting(1..<(1 + scheduleCount)),
                       input: input.extracting((1 + scheduleCount)...))
        }
    }

    /// The input as a CBOR sequence: `readRawItem` item by item, then `finish`. Every accepted
    /// item must re-parse alone to the same length, be read the same way by the typed readers,
    /// and re-encode to exactly its own bytes (the decoder only accepts deterministic CBOR).
    static func readItemSequence(_ input: Span<UInt8>) {
        var reader = CBORReader(input)
        var walker = CBORReader(input)
        while !reader.isAtEnd {
            let start = reader.offset
            let raw: Span<UInt8>
            do throws(CBORError) {
                raw = try reader.readRawItem()
            } catch {
                // What skipItem rejects, the typed readers must reject too (or stop earlier).
                var output = [UInt8](repeating: 0, count: input.count)
                let walked = output.withUnsafeMutableBufferPointer { buffer in
                    var writer = ByteWriter(buffer.mutableSpan)
                    return walk(&walker, &writer, depth: 0)
                }
                if case .success = walked { fuzzInvariant(false, "typed readers accept what skipItem rejects") }
                return
            }
            fuzzInvariant(raw.count > 0 && raw.count == reader.offset - start, "raw item length is not what was consumed")
            fuzzInvariant(raw.count <= input.count - start, "raw item beyond the input")

            var again = CBORReader(raw)
            do throws(CBORError) {
                try again.skipItem()
                try again.finish()
            } catch {
                fuzzInvariant(false, "an accepted item does not re-parse on its own")
            }

            var output = [UInt8](repeating: 0, count: raw.count)
            let walked = output.withUnsafeMutableBufferPointer { buffer -> (Result<Bool, CBORError>, Int) in
                var writer = ByteWriter(buffer.mutableSpan)
                let result = walk(&walker, &writer, depth: 0)
                return (result, writer.count)
            }
            switch walked.0 {
            case .success(let reencoded):
                fuzzInvariant(walker.offset == reader.offset, "typed readers and skipItem disagree on the item's end")
                if reencoded {
                    fuzzInvariant(walked.1 == raw.count, "re-encoding has another length")
                    let same = output.withUnsafeBufferPointer { fuzzEqual($0.span, raw) }
                    fuzzInvariant(same, "re-encoding an accepted item changed its bytes")
                }
            case .failure(let error):
                // The typed readers are narrower only for negative integers below Int32.min.
                fuzzInvariant(error == .outOfRange, "typed readers reject an item skipItem accepts")
                return
            }
        }
        do throws(CBORError) {
            try reader.finish()
        } catch {
            fuzzInvariant(false, "finish fails at the end of the input")
        }
    }

    /// Reads one item with the typed readers and re-encodes it into `writer`. Succeeds with
    /// `false` if the output did not fit (re-encoding then says nothing).
    static func walk(_ reader: inout CBORReader, _ writer: inout ByteWriter, depth: Int) -> Result<Bool, CBORError> {
        do throws(CBORError) {
            return .success(try walkItem(&reader, &writer, depth: depth))
        } catch {
            return .failure(error)
        }
    }

    static func walkItem(_ reader: inout CBORReader, _ writer: inout ByteWriter, depth: Int) throws(CBORError) -> Bool {
        guard depth < CBORLimits.maxDepth else { throw .tooDeep }
        var fits = true
        func emit(_ body: (inout ByteWriter) throws(ProtocolBufferError) -> Void) {
            do throws(ProtocolBufferError) { try body(&writer) } catch { fits = false }
        }
        if reader.readNullIfPresent() {
            emit { w throws(ProtocolBufferError) in try w.cborNull() }
            return fits
        }
        switch try reader.peekMajorType() {
        case .unsignedInteger:
            let value = try reader.readUnsigned()
            emit { w throws(ProtocolBufferError) in try w.cborUnsigned(value) }
        case .negativeInteger:
            let value = try reader.readInt()
            fuzzInvariant(value < 0, "a negative integer read as non-negative")
            emit { w throws(ProtocolBufferError) in try w.cborInt(value) }
        case .byteString:
            let bytes = try reader.readByteString()
            emit { w throws(ProtocolBufferError) in try w.cborByteString(bytes) }
        case .textString:
            let text = try reader.readTextString()
            emit { w throws(ProtocolBufferError) in try w.cborTextString(text) }
        case .array:
            let count = try reader.readArrayHeader()
            emit { w throws(ProtocolBufferError) in try w.cborArrayHeader(count) }
            for _ in 0..<count {
                if !(try walkItem(&reader, &writer, depth: depth + 1)) { fits = false }
            }
        case .map:
            let count = try reader.readMapHeader()
            emit { w throws(ProtocolBufferError) in try w.cborMapHeader(count) }
            for _ in 0..<(2 * count) {
                if !(try walkItem(&reader, &writer, depth: depth + 1)) { fits = false }
            }
        case .tag:
            throw .unsupported
        case .simpleOrFloat:
            let value: Bool
            do throws(CBORError) { value = try reader.readBool() } catch { throw .unsupported }
            emit { w throws(ProtocolBufferError) in try w.cborBool(value) }
        }
        return fits
    }

    /// Typed reads in the order the schedule says, as a protocol parser would call them on
    /// hostile input: a wrong type never consumes the item, reads stay inside the input, and
    /// every successful read makes progress.
    static func typedReads(schedule: Span<UInt8>, input: Span<UInt8>) {
        guard schedule.count > 0 else { return }
        var reader = CBORReader(input)
        for step in 0...input.count {
            let before = reader.offset
            var advanced = true
            do throws(CBORError) {
                switch schedule[step % schedule.count] % 11 {
                case 0: _ = try reader.readUnsigned()
                case 1: _ = try reader.readInt()
                case 2:
                    let bytes = try reader.readByteString()
                    fuzzInvariant(bytes.count <= reader.offset - before, "byte string longer than what was read")
                case 3:
                    let text = try reader.readTextString()
                    fuzzInvariant(text.count <= reader.offset - before, "text string longer than what was read")
                case 4: _ = try reader.readArrayHeader()
                case 5: _ = try reader.readMapHeader()
                case 6: _ = try reader.readBool()
                case 7: advanced = reader.readNullIfPresent()
                case 8: try reader.skipItem()
                case 9:
                    let raw = try reader.readRawItem()
                    fuzzInvariant(raw.count == reader.offset - before, "raw item length is not what was consumed")
                default:
                    _ = try reader.peekMajorType()
                    advanced = false
                }
            } catch {
                if error == .wrongType {
                    fuzzInvariant(reader.offset == before, "a wrong-type read consumed input")
                }
                return
            }
            fuzzInvariant(reader.offset <= input.count, "read past the end of the input")
            fuzzInvariant(advanced ? reader.offset > before : reader.offset == before, "a read made no progress")
            if reader.isAtEnd {
                do throws(CBORError) { try reader.finish() } catch { fuzzInvariant(false, "finish fails at the end") }
                return
            }
            do throws(CBORError) {
                try reader.finish()
                fuzzInvariant(false, "finish accepts trailing bytes")
            } catch {
                fuzzInvariant(error == .trailingBytes, "finish fails with the wrong error")
            }
        }
    }
}

/// The options of a parsed message (or of an OSCORE plaintext, RFC 8613 §5.3), already
/// validated, in the order they were sent (ascending numbers, RFC 7252 §3.1).
public struct CoAPOptions: ~Escapable {
    /// The encoded options, without the payload marker.
    public let bytes: Span<UInt8>
    /// How many options there are.
    public let count: Int

    @_lifetime(copy bytes)
    init(bytes: Span<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// Iterates the options in order.
    @_lifetime(copy self)
    public func makeIterator() -> CoAPOptionIterator {
        CoAPOptionIterator(bytes)
    }

    /// The value of the first option with `number`, or nil.
    @_lifetime(copy self)
    public func first(_ number: CoAPOptionNumber) -> Span<UInt8>? {
        var options = makeIterator()
        while let option = options.next() {
            if option.number == number { return option.value }
            if option.number > number { return nil }
        }
        return nil
    }

    /// How many options have `number` (repeatable options such as Uri-Path).
    public func occurrences(of number: CoAPOptionNumber) -> Int {
        var found = 0
        var options = makeIterator()
        while let option = options.next(), option.number <= number {
            if option.number == number { found += 1 }
        }
        return found
    }

    /// Validates the options and payload that start at `start` (RFC 7252 §3): options up to
    /// the end or a payload marker, which must be followed by at least one byte.
    /// Returns where the options end, where the payload starts (`bytes.count` when there is
    /// none) and how many options there are.
    static func scan(_ bytes: Span<UInt8>, from start: Int)
        throws(CoAPError) -> (optionsEnd: Int, payloadStart: Int, optionCount: Int) {
        var offset = start
        var number = 0
        var optionCount = 0
        while offset < bytes.count {
            if bytes[offset] == CoAPLimits.payloadMarker {
                guard offset + 1 < bytes.count else { throw .emptyPayloadAfterMarker }
                return (offset, offset + 1, optionCount)
            }
            guard optionCount < CoAPLimits.optionCountMax else { throw .tooManyOptions }
            let option = try CoAPOptionHeader.decode(bytes, at: offset, previousNumber: number)
            number = option.number
            offset = option.valueEnd
            optionCount += 1
        }
        return (offset, offset, optionCount)
    }
}

/// Walks validated options in order (see `CoAPOptions.makeIterator`).
public struct CoAPOptionIterator: ~Escapable {
    let bytes: Span<UInt8>
    var offset = 0
    var number = 0

    @_lifetime(copy bytes)
    init(_ bytes: Span<UInt8>) {
        self.bytes = bytes
    }

    /// The next option, or nil after the last one.
    @_lifetime(copy self)
    public mutating func next() -> CoAPOption? {
        guard offset < bytes.count else { return nil }
        do throws(CoAPError) {
            let option = try CoAPOptionHeader.decode(bytes, at: offset, previousNumber: number)
            number = option.number
            offset = option.valueEnd
            return CoAPOption(number: CoAPOptionNumber(rawValue: UInt16(truncatingIfNeeded: option.number)),
                              value: bytes.extracting(option.valueStart..<option.valueEnd))
        } catch {
            // Unreachable for scanned options; stop rather than trap.
            offset = bytes.count
            return nil
        }
    }
}

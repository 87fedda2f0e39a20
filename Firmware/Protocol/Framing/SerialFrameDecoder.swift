/// Receives serial frames (see `SerialFraming`) one byte at a time: the UART interrupt fills a
/// ring, the main loop feeds its bytes here and gets each good frame's payload back. Fixed
/// storage of `capacity` payload bytes, no allocation, and no byte sequence makes it trap.
///
/// A frame is dropped, and counted, when its payload is longer than `capacity` (the rest of
/// it is discarded up to the next 0x00), when its COBS encoding is cut short or its body is
/// shorter than the CRC, or when the CRC does not match. Empty frames (0x00 0x00) are the
/// idle pattern and are ignored. Until the first 0x00 the decoder does not know where a frame
/// starts (it may have been switched on mid-frame), so those bytes are discarded uncounted.
///
/// An empty payload is a valid frame: its body is the CRC of nothing, 00000000, sent as
/// 01 01 01 01 01, so that much noise between delimiters is delivered as an empty payload. The
/// CoAP layer rejects it, as it rejects any payload too short for a CoAP header.
public struct SerialFrameDecoder<let capacity: Int>: ~Copyable {
    var storage: InlineArray<capacity, UInt8>
    /// Payload bytes stored for the frame being received.
    var count = 0
    /// The last up to four decoded bytes, oldest in the low byte. A byte joins the payload
    /// only once four more follow it, so at the delimiter this holds the CRC.
    var trailer: UInt32 = 0
    var trailerCount = 0
    /// CRC-32 register over the stored payload bytes.
    var crc = CRC32.initialValue
    /// Data bytes still to come in the current COBS block (0: the next byte is a code byte).
    var blockRemaining = 0
    /// Whether the current block stands for a zero after its data (code byte < 0xFF); the zero
    /// is added only if another block follows, since the last block's zero is not data.
    var blockImpliesZero = false
    /// Whether any byte arrived since the last delimiter.
    var inFrame = false
    /// Discarding up to the next delimiter: before the first one, or after an overflow.
    var discarding = true

    /// Good frames delivered.
    public private(set) var frameCount: UInt32 = 0
    /// Frames dropped because the payload was longer than `capacity`.
    public private(set) var oversizedFrameCount: UInt32 = 0
    /// Frames dropped because the CRC did not match (line noise).
    public private(set) var checksumMismatchCount: UInt32 = 0
    /// Frames dropped because a delimiter cut a COBS block short, or the body was too short to
    /// hold a CRC.
    public private(set) var malformedFrameCount: UInt32 = 0

    public init() {
        storage = InlineArray(repeating: 0)
    }

    /// Longest payload this decoder accepts.
    public static var payloadCapacity: Int { capacity }

    /// Dropped frames of every kind.
    public var droppedFrameCount: UInt32 {
        oversizedFrameCount &+ checksumMismatchCount &+ malformedFrameCount
    }

    /// Feeds one received byte. Returns the payload when `byte` is the delimiter that ends a
    /// good frame; it stays valid until the next call.
    @_lifetime(&self)
    public mutating func feed(_ byte: UInt8) -> Span<UInt8>? {
        guard byte == SerialFraming.delimiter else {
            if !discarding { receive(byte) }
            return nil
        }
        let payloadByteCount = endFrame()
        guard payloadByteCount >= 0 else { return nil }
        return storage.span.extracting(0..<payloadByteCount)
    }

    /// Feeds every byte of `bytes`, calling `body` with the payload of each good frame.
    public mutating func feed<E: Error>(_ bytes: Span<UInt8>, _ body: (Span<UInt8>) throws(E) -> Void) throws(E) {
        for i in 0..<bytes.count {
            if let payload = feed(bytes[i]) { try body(payload) }
        }
    }

    /// A non-zero byte inside a frame: a COBS code byte or a data byte.
    mutating func receive(_ byte: UInt8) {
        inFrame = true
        if blockRemaining > 0 {
            blockRemaining -= 1
            decoded(byte)
        } else {
            if blockImpliesZero { decoded(0) }
            blockRemaining = Int(byte) - 1
            blockImpliesZero = byte != 0xFF
        }
    }

    /// One byte of the frame body (payload ‖ CRC).
    mutating func decoded(_ byte: UInt8) {
        if trailerCount == SerialFraming.checkByteCount {
            guard count < capacity else {
                oversizedFrameCount &+= 1
                discarding = true
                return
            }
            let payloadByte = UInt8(truncatingIfNeeded: trailer)
            storage[count] = payloadByte
            count += 1
            crc = CRC32.update(crc, payloadByte)
        } else {
            trailerCount += 1
        }
        trailer = trailer &>> 8 | UInt32(byte) &<< 24
    }

    /// At a delimiter: checks the frame and returns its payload length, or -1 if there is no
    /// good frame. Resets for the next frame either way.
    mutating func endFrame() -> Int {
        defer { reset() }
        if discarding || !inFrame { return -1 }
        guard blockRemaining == 0, trailerCount == SerialFraming.checkByteCount else {
            malformedFrameCount &+= 1
            return -1
        }
        guard CRC32.finalize(crc) == trailer else {
            checksumMismatchCount &+= 1
            return -1
        }
        frameCount &+= 1
        return count
    }

    mutating func reset() {
        count = 0
        trailer = 0
        trailerCount = 0
        crc = CRC32.initialValue
        blockRemaining = 0
        blockImpliesZero = false
        inFrame = false
        discarding = false
    }
}

/// A decoder for payloads of up to `SerialFraming.maxPayloadByteCount` (512) bytes.
public typealias SerialFrameDecoder512 = SerialFrameDecoder<512>

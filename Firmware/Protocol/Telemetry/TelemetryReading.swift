/// The telemetry payload the device application sends and the gateway reads (shared here so
/// both ends use one codec). One telemetry message's payload (docs/gateway-protocol.md), as deterministic CBOR with
/// scaled integers — no floating point anywhere:
///
///     { 1: reading number (uint), 2: sensor value Q16.16 (int),
///       3: failure indicator per mille (uint 0…1000), 4: uptime seconds (uint) }
public struct TelemetryReading: Sendable, Equatable {
    public static let keyReadingNumber: UInt32 = 1
    public static let keyValue: UInt32 = 2
    public static let keyFailurePerMille: UInt32 = 3
    public static let keyUptime: UInt32 = 4
    /// The most bytes `write` produces.
    public static let maxEncodedByteCount = 1 + 2 * 5 + 1 + 5 + 1 + 3 + 1 + 5

    public var readingNumber: UInt32
    /// The calibrated, smoothed sensor value in Q16.16 (value × 65 536).
    public var valueQ16: Int32
    /// The device's own failure-rate indicator, per mille.
    public var failurePerMille: UInt16
    public var uptimeSeconds: UInt32

    public init(readingNumber: UInt32, valueQ16: Int32, failurePerMille: UInt16, uptimeSeconds: UInt32) {
        self.readingNumber = readingNumber
        self.valueQ16 = valueQ16
        self.failurePerMille = failurePerMille
        self.uptimeSeconds = uptimeSeconds
    }

    public func write(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborMapHeader(4)
        try writer.cborUnsigned(Self.keyReadingNumber)
        try writer.cborUnsigned(readingNumber)
        try writer.cborUnsigned(Self.keyValue)
        try writer.cborInt(valueQ16)
        try writer.cborUnsigned(Self.keyFailurePerMille)
        try writer.cborUnsigned(UInt32(failurePerMille))
        try writer.cborUnsigned(Self.keyUptime)
        try writer.cborUnsigned(uptimeSeconds)
    }

    /// Strict: exactly the four keys, in order, nothing after; per mille at most 1000.
    public init(parsing payload: Span<UInt8>) throws(CBORError) {
        var reader = CBORReader(payload)
        guard try reader.readMapHeader() == 4 else { throw .wrongType }
        guard try reader.readUnsigned() == Self.keyReadingNumber else { throw .wrongType }
        readingNumber = try reader.readUnsigned()
        guard try reader.readUnsigned() == Self.keyValue else { throw .wrongType }
        valueQ16 = try reader.readInt()
        guard try reader.readUnsigned() == Self.keyFailurePerMille else { throw .wrongType }
        let perMille = try reader.readUnsigned()
        guard perMille <= 1000 else { throw .outOfRange }
        failurePerMille = UInt16(perMille)
        guard try reader.readUnsigned() == Self.keyUptime else { throw .wrongType }
        uptimeSeconds = try reader.readUnsigned()
        try reader.finish()
    }
}

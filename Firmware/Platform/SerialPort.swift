/// A board's UART: writes block until the transmitter takes the byte; reads come from the
/// receive ring that the RX interrupt fills, and never block.
public protocol SerialPort: Console {
    /// The next received byte, or nil when nothing is waiting.
    mutating func read() -> UInt8?
    /// Bytes lost because the receive ring was full, since boot.
    var droppedByteCount: UInt32 { get }
}

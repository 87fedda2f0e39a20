#if RAMPART_FIRMWARE
import BoardRuntime
import RampartPlatform

/// The log of a board in QEMU: the semihosting console (`:tt`), which QEMU prints on its
/// standard output, apart from UART0 (that carries the serial frames). Buffered by line, so a
/// line costs one semihosting call. Only for boards that run under a debugger or QEMU: on a
/// free-running board a semihosting call is a breakpoint with nobody to answer it.
public struct SemihostingConsole: Console {
    /// Longest line kept; the rest of a longer line is dropped.
    public static let lineCapacity = 160
    /// ":tt" opened for writing (mode 4, "w"), per the semihosting specification.
    static let consoleName: StaticString = ":tt"

    private var handle: Int32 = -1
    private var line = InlineArray<160, UInt8>(repeating: 0)
    private var count = 0

    public init() {}

    public mutating func write(byte: UInt8) {
        if count < Self.lineCapacity {
            line[count] = byte
            count += 1
        }
        if byte == 0x0A || count == Self.lineCapacity { flush() }
    }

    public mutating func flush() {
        guard count > 0 else { return }
        if handle < 0 { handle = semihostOpen(Self.consoleName, mode: 4) }
        if handle >= 0 {
            let handle = self.handle
            let length = UInt32(count)
            _ = line.span.withUnsafeBytes { rampart_semihost_write(handle, $0.baseAddress, length) }
        }
        count = 0
    }
}

/// The log of a board with nobody listening (hardware without a debugger): discarded.
public struct DiscardingConsole: Console {
    public init() {}
    public mutating func write(byte: UInt8) {}
}
#endif

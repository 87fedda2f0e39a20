#if RAMPART_BOARD_MPS2
import _Volatile
import BoardRuntime
import RampartPlatform

/// Arm CMSDK APB UART (Arm DDI 0479C §4.2), UART0 of the MPS2 boards. Transmit polls the
/// TX-full flag; receive is interrupt driven into the runtime's ring buffer.
public struct CMSDKUART: SerialPort {
    static let base: UInt = 0x4000_4000
    /// UART0 RX is device interrupt 0 on AN385/AN386 (UART0 TX is 1).
    static let receiveIRQ: UInt32 = 0

    enum Offset {
        static let data: UInt = 0x00
        static let state: UInt = 0x04        // bit 0 TX buffer full, bit 1 RX buffer full
        static let control: UInt = 0x08      // bit 0 TX enable, 1 RX enable, 3 RX interrupt enable
        static let interruptClear: UInt = 0x0C
        static let baudDivider: UInt = 0x10
    }
    enum Bit {
        static let transmitFull: UInt32 = 1 << 0
        static let receiveFull: UInt32 = 1 << 1
        static let transmitEnable: UInt32 = 1 << 0
        static let receiveEnable: UInt32 = 1 << 1
        static let receiveInterruptEnable: UInt32 = 1 << 3
        static let receiveInterrupt: UInt32 = 1 << 1
    }

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    init() {
        // 25 MHz / 115200 baud (QEMU ignores the rate; hardware does not).
        Self.register(Offset.baudDivider).store(217)
        Self.register(Offset.control).store(Bit.transmitEnable | Bit.receiveEnable | Bit.receiveInterruptEnable)
        rampart_irq_enable(Self.receiveIRQ)
    }

    /// Transmit only, interrupts untouched: for the fault path, which must not depend on
    /// the state the fault left behind.
    init(transmitOnly: Void) {
        Self.register(Offset.control).store(Bit.transmitEnable)
    }

    public mutating func write(byte: UInt8) {
        while Self.register(Offset.state).load() & Bit.transmitFull != 0 {}
        Self.register(Offset.data).store(UInt32(byte))
    }

    public mutating func read() -> UInt8? {
        let next = rampart_rx_pop()
        return next < 0 ? nil : UInt8(truncatingIfNeeded: next)
    }

    public var droppedByteCount: UInt32 { rampart_rx_dropped() }

    /// Clear first, then drain: a byte that lands after the last read raises the interrupt
    /// again. (Clearing after the drain lost it: RXFULL stayed set with no interrupt pending,
    /// and reception stopped for good.)
    static func drainReceiver() {
        register(Offset.interruptClear).store(Bit.receiveInterrupt)
        while register(Offset.state).load() & Bit.receiveFull != 0 {
            rampart_rx_push(UInt8(truncatingIfNeeded: register(Offset.data).load()))
        }
    }
}

/// UART0 RX interrupt (vector slot 16 + 0).
@_cdecl("rampart_irq_0")
public func cmsdkUART0ReceiveInterrupt() {
    CMSDKUART.drainReceiver()
}
#endif

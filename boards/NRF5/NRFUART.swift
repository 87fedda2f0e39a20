#if RAMPART_BOARD_NRF5
import _Volatile
import BoardRuntime
import RampartPlatform

/// The nRF51/nRF52 UART (nRF51 Series Reference Manual v3.0 §29; on the nRF52840 the same
/// registers in legacy UART mode of UARTE0). Transmit waits for TXDRDY; receive is interrupt
/// driven into the runtime's ring buffer.
public struct NRFUART: SerialPort {
    static let base: UInt = 0x4000_2000
    /// UART0 is device interrupt 2 on both the nRF51 and the nRF52840.
    static let irq: UInt32 = 2

    #if RAMPART_BOARD_NRF51
    static let transmitPin: UInt32 = 24   // micro:bit v1: P0.24 TX, P0.25 RX (to the interface MCU)
    static let receivePin: UInt32 = 25
    #else
    static let transmitPin: UInt32 = 6    // nRF52840-DK: P0.06 TX, P0.08 RX (to the J-Link VCOM)
    static let receivePin: UInt32 = 8
    #endif

    enum Offset {
        static let startReceive: UInt = 0x000
        static let startTransmit: UInt = 0x008
        static let receiveReady: UInt = 0x108     // EVENTS_RXDRDY
        static let transmitReady: UInt = 0x11C    // EVENTS_TXDRDY
        static let interruptEnableSet: UInt = 0x304
        static let enable: UInt = 0x500
        static let transmitPinSelect: UInt = 0x50C
        static let receivePinSelect: UInt = 0x514
        static let receiveData: UInt = 0x518
        static let transmitData: UInt = 0x51C
        static let baudRate: UInt = 0x524
    }
    static let enableUART: UInt32 = 4
    static let baud115200: UInt32 = 0x01D7_E000
    static let receiveReadyInterrupt: UInt32 = 1 << 2

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    init() {
        Self.register(Offset.transmitPinSelect).store(Self.transmitPin)
        Self.register(Offset.receivePinSelect).store(Self.receivePin)
        Self.register(Offset.baudRate).store(Self.baud115200)
        Self.register(Offset.enable).store(Self.enableUART)
        Self.register(Offset.transmitReady).store(0)
        Self.register(Offset.startTransmit).store(1)
        Self.register(Offset.startReceive).store(1)
        Self.register(Offset.interruptEnableSet).store(Self.receiveReadyInterrupt)
        rampart_irq_enable(Self.irq)
    }

    /// Transmit only, no interrupt changes: for the fault path.
    init(transmitOnly: Void) {
        Self.register(Offset.enable).store(Self.enableUART)
        Self.register(Offset.startTransmit).store(1)
    }

    public mutating func write(byte: UInt8) {
        Self.register(Offset.transmitReady).store(0)
        Self.register(Offset.transmitData).store(UInt32(byte))
        while Self.register(Offset.transmitReady).load() == 0 {}
    }

    public mutating func read() -> UInt8? {
        let next = rampart_rx_pop()
        return next < 0 ? nil : UInt8(truncatingIfNeeded: next)
    }

    public var droppedByteCount: UInt32 { rampart_rx_dropped() }

    static func drainReceiver() {
        while register(Offset.receiveReady).load() != 0 {
            register(Offset.receiveReady).store(0)
            rampart_rx_push(UInt8(truncatingIfNeeded: register(Offset.receiveData).load()))
        }
    }
}

@_cdecl("rampart_irq_2")
public func nrfUART0Interrupt() {
    NRFUART.drainReceiver()
}
#endif

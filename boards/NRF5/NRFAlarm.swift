#if RAMPART_BOARD_NRF5
import _Volatile
import BoardRuntime

/// A one-shot alarm on the clock's own TIMER0: compare register CC[1] set ahead of the
/// running count raises COMPARE[1], whose interrupt (TIMER0, IRQ 8 on nRF51 and nRF52) wakes
/// the core from WFI. CC[0] stays the clock's capture register (`NRFTimer`).
enum NRFAlarm {
    static let irq: UInt32 = 8
    /// 16 ticks a microsecond (16 MHz, prescaler 0).
    static let ticksPerMicrosecond: UInt64 = 16
    /// Keep the compare point within half the 32-bit range, so it is never behind the count.
    static let maxTicks: UInt64 = 1 << 31

    enum Offset {
        static let eventsCompare1: UInt = 0x144
        static let interruptEnableSet: UInt = 0x304
        static let interruptEnableClear: UInt = 0x308
        static let compare1: UInt = 0x544
    }
    static let compare1InterruptBit: UInt32 = 1 << 17

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: NRFTimer.base + offset)
    }

    static func enable() {
        register(Offset.interruptEnableClear).store(compare1InterruptBit)
        rampart_irq_enable(irq)
    }

    static func arm(microseconds: UInt64) {
        let ticks = UInt32(min(max(microseconds, 1) &* ticksPerMicrosecond, maxTicks))
        register(Offset.eventsCompare1).store(0)
        register(Offset.compare1).store(NRFTimer.elapsedTicks32() &+ ticks)
        register(Offset.interruptEnableSet).store(compare1InterruptBit)
    }

    static func expire() {
        register(Offset.interruptEnableClear).store(compare1InterruptBit)
        register(Offset.eventsCompare1).store(0)
    }
}

@_cdecl("rampart_irq_8")
public func nrfTimer0Interrupt() {
    NRFAlarm.expire()
}
#endif

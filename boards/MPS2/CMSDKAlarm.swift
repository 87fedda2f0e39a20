#if RAMPART_BOARD_MPS2
import _Volatile
import BoardRuntime

/// Arm CMSDK APB timer 1 (Arm DDI 0479C §4.4) at 0x40001000 as a one-shot alarm: it counts
/// down from the requested number of 25 MHz ticks and its interrupt (device IRQ 9 on
/// AN385/AN386) wakes the core from WFI; the handler stops it. Timer 0 stays the clock.
enum CMSDKAlarm {
    static let base: UInt = 0x4000_1000
    static let irq: UInt32 = 9
    /// 25 ticks a microsecond.
    static let ticksPerMicrosecond: UInt64 = 25

    enum Offset {
        static let control: UInt = 0x00   // bit 0 enable, bit 3 interrupt enable
        static let value: UInt = 0x04
        static let reload: UInt = 0x08
        static let interruptClear: UInt = 0x0C
    }

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    static func enable() {
        register(Offset.control).store(0)
        rampart_irq_enable(irq)
    }

    /// Arms the alarm `microseconds` from now (at most 2^32 ticks, 171 s; longer waits end
    /// early and the caller sleeps again).
    static func arm(microseconds: UInt64) {
        let ticks = min(max(microseconds, 1) &* ticksPerMicrosecond, 0xFFFF_FFFF)
        register(Offset.control).store(0)
        register(Offset.interruptClear).store(1)
        register(Offset.reload).store(UInt32(ticks))
        register(Offset.value).store(UInt32(ticks))
        register(Offset.control).store(1 | (1 << 3))
    }

    static func expire() {
        register(Offset.control).store(0)
        register(Offset.interruptClear).store(1)
    }
}

@_cdecl("rampart_irq_9")
public func cmsdkTimer1Interrupt() {
    CMSDKAlarm.expire()
}
#endif

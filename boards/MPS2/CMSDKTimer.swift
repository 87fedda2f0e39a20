#if RAMPART_BOARD_MPS2
import _Volatile
import BoardRuntime
import RampartPlatform

/// Arm CMSDK APB timer 0 (Arm DDI 0479C §4.4) at 0x40000000: a 32-bit down-counter clocked
/// at 25 MHz (40 ns a tick), extended to 64 bits by counting wraps in its interrupt.
/// Under `qemu -icount shift=7` one instruction takes 128 ns of virtual time, so
/// instructions = ticks × 40 / 128 (DESIGN.md §3).
public struct CMSDKTimer: MonotonicClock {
    static let base: UInt = 0x4000_0000
    /// TIMER0 is device interrupt 8 on AN385/AN386.
    static let irq: UInt32 = 8

    enum Offset {
        static let control: UInt = 0x00   // bit 0 enable, bit 3 interrupt enable
        static let value: UInt = 0x04
        static let reload: UInt = 0x08
        static let interruptClear: UInt = 0x0C
    }

    public static var nanosecondsPerTick: (numerator: UInt32, denominator: UInt32) { (40, 1) }

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    init() {
        Self.register(Offset.control).store(0)
        Self.register(Offset.reload).store(0xFFFF_FFFF)
        Self.register(Offset.value).store(0xFFFF_FFFF)
        Self.register(Offset.control).store(1 | (1 << 3))
        rampart_irq_enable(Self.irq)
    }

    public mutating func nowTicks() -> UInt64 {
        // Read the wrap count on both sides of the counter so a wrap in between is seen.
        while true {
            let wrapsBefore = rampart_timer_wraps()
            let value = Self.register(Offset.value).load()
            let wrapsAfter = rampart_timer_wraps()
            if wrapsBefore == wrapsAfter {
                return UInt64(wrapsBefore) << 32 | UInt64(0xFFFF_FFFF - value)
            }
        }
    }

    /// The raw 32-bit elapsed count, for short measurements (benchmarks).
    @inline(__always)
    public static func elapsedTicks32() -> UInt32 {
        0xFFFF_FFFF &- register(Offset.value).load()
    }

    static func acknowledgeWrap() {
        register(Offset.interruptClear).store(1)
        rampart_timer_wrap()
    }
}

@_cdecl("rampart_irq_8")
public func cmsdkTimer0Interrupt() {
    CMSDKTimer.acknowledgeWrap()
}
#endif

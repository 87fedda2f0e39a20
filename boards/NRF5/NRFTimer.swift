#if RAMPART_BOARD_NRF5
import _Volatile
import BoardRuntime
import RampartPlatform

/// nRF TIMER0 (nRF51 RM §19) as a free-running 32-bit counter at 16 MHz (62.5 ns a tick),
/// read by capturing into CC[0], extended to 64 bits in software: each read notices a wrap
/// by comparing with the previous reading, so reads must come at least every 268 s (the
/// firmware's main loop reads far more often).
public struct NRFTimer: MonotonicClock {
    static let base: UInt = 0x4000_8000

    enum Offset {
        static let start: UInt = 0x000
        static let stop: UInt = 0x004
        static let clear: UInt = 0x00C
        static let capture0: UInt = 0x040
        static let mode: UInt = 0x504
        static let bitMode: UInt = 0x508
        static let prescaler: UInt = 0x510
        static let compare0: UInt = 0x540
    }
    static let bitMode32: UInt32 = 3

    public static var nanosecondsPerTick: (numerator: UInt32, denominator: UInt32) { (125, 2) }

    private var lastReading: UInt32 = 0
    private var wraps: UInt32 = 0

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    init() {
        Self.register(Offset.stop).store(1)
        Self.register(Offset.mode).store(0)
        Self.register(Offset.bitMode).store(Self.bitMode32)
        Self.register(Offset.prescaler).store(0)
        Self.register(Offset.clear).store(1)
        Self.register(Offset.start).store(1)
    }

    /// The raw 32-bit count, for short measurements (benchmarks).
    @inline(__always)
    public static func elapsedTicks32() -> UInt32 {
        register(Offset.capture0).store(1)
        return register(Offset.compare0).load()
    }

    public mutating func nowTicks() -> UInt64 {
        let reading = Self.elapsedTicks32()
        if reading < lastReading { wraps &+= 1 }
        lastReading = reading
        return UInt64(wraps) << 32 | UInt64(reading)
    }
}
#endif

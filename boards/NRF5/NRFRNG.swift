#if RAMPART_BOARD_NRF5
import _Volatile
import RampartCrypto

/// The nRF RNG peripheral (nRF51 RM §23, nRF52840 PS §6.19): a hardware TRNG from thermal
/// noise, with its bias correction (DERCEN) on. One byte per VALRDY event.
public struct NRFRNG: RandomSource {
    static let base: UInt = 0x4000_D000
    public static let description: StaticString = "nRF RNG peripheral (TRNG, bias correction on)"

    enum Offset {
        static let start: UInt = 0x000
        static let valueReady: UInt = 0x100
        static let config: UInt = 0x504
        static let value: UInt = 0x508
    }

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: base + offset)
    }

    init() {
        Self.register(Offset.config).store(1)
        Self.register(Offset.valueReady).store(0)
        Self.register(Offset.start).store(1)
    }

    public mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        for i in 0..<buffer.count {
            while Self.register(Offset.valueReady).load() == 0 {}
            Self.register(Offset.valueReady).store(0)
            buffer[i] = UInt8(truncatingIfNeeded: Self.register(Offset.value).load())
        }
    }
}
#endif

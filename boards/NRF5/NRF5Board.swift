#if RAMPART_BOARD_NRF5
import _Volatile
import BoardCommon
import BoardRuntime
import RampartCrypto
import RampartPlatform

/// Nordic nRF5 boards: the BBC micro:bit v1 (nRF51822, Cortex-M0, run in QEMU) and the
/// nRF52840-DK (Cortex-M4F, built, not run on hardware). Same UART, TIMER and RNG blocks;
/// the flash store is a semihosting file on the micro:bit in QEMU and the NVMC on the DK.
public struct NRF5Board: Board {
    #if RAMPART_BOARD_NRF51
    public static var name: StaticString { "microbit" }
    public typealias Flash = SemihostingFlashStore
    /// Run in QEMU: the log goes to QEMU's standard output.
    public typealias Log = SemihostingConsole
    #else
    public static var name: StaticString { "nrf52840dk" }
    public typealias Flash = NVMCFlashStore
    /// Hardware with no debugger attached: nobody answers semihosting, so no log.
    public typealias Log = DiscardingConsole
    #endif
    public static var entropyDescription: StaticString { NRFRNG.description }

    public var serial: NRFUART
    public var clock: NRFTimer
    public var entropy: NRFRNG
    public var flash: Flash
    public var log: Log

    public static func start() -> NRF5Board {
        let board = NRF5Board(serial: NRFUART(), clock: NRFTimer(), entropy: NRFRNG(), flash: Flash(), log: Log())
        NRFAlarm.enable()
        rampart_interrupts_enable()
        return board
    }

    public mutating func sleep(microseconds: UInt64) {
        NRFAlarm.arm(microseconds: microseconds)
        rampart_sleep_until_input()
        NRFAlarm.expire()
    }

    public func exit(status: UInt32) -> Never {
        nrf5Exit(status: status)
    }
}

/// QEMU: semihosting exit. Hardware (no debugger to catch `bkpt`): a system reset through
/// SCB AIRCR (Armv7-M ARM §B3.2.6).
func nrf5Exit(status: UInt32) -> Never {
    #if RAMPART_BOARD_NRF52840
    VolatileMappedRegister<UInt32>(unsafeBitPattern: 0xE000_ED0C).store(0x05FA_0004)
    while true {}
    #else
    rampart_semihost_exit(status)
    #endif
}

@_cdecl("rampart_fault")
public func nrf5Fault(kind: UInt32, pc: UInt32, lr: UInt32, cfsr: UInt32) {
    var uart = NRFUART(transmitOnly: ())
    reportFault(to: &uart, kind: kind, pc: pc, lr: lr, cfsr: cfsr)
    nrf5Exit(status: 0xFA)
}
#endif

#if RAMPART_BOARD_MPS2
import BoardCommon
import BoardRuntime
import RampartCrypto
import RampartPlatform

/// Arm MPS2+ AN386 (Cortex-M4) and AN385 (Cortex-M3) as QEMU models them. They differ only
/// in the CPU, which the board's toolset selects.
public struct MPS2Board: Board {
    #if RAMPART_BOARD_MPS2_AN385
    public static var name: StaticString { "mps2-an385" }
    #else
    public static var name: StaticString { "mps2-an386" }
    #endif
    public static var entropyDescription: StaticString { HostEntropyStandIn.description }

    public var serial: CMSDKUART
    public var clock: CMSDKTimer
    public var entropy: HostEntropyStandIn
    public var flash: SemihostingFlashStore
    public var log: SemihostingConsole

    public static func start() -> MPS2Board {
        let board = MPS2Board(serial: CMSDKUART(), clock: CMSDKTimer(),
                              entropy: HostEntropyStandIn(), flash: SemihostingFlashStore(),
                              log: SemihostingConsole())
        CMSDKAlarm.enable()
        rampart_interrupts_enable()
        return board
    }

    public mutating func sleep(microseconds: UInt64) {
        CMSDKAlarm.arm(microseconds: microseconds)
        rampart_sleep_until_input()
        CMSDKAlarm.expire()
    }

    public func exit(status: UInt32) -> Never {
        rampart_semihost_exit(status)
    }
}

/// The fault reporter the runtime's trampolines call: one line on UART0, then a non-zero
/// semihosting exit so a test sees the crash.
@_cdecl("rampart_fault")
public func mps2Fault(kind: UInt32, pc: UInt32, lr: UInt32, cfsr: UInt32) {
    var uart = CMSDKUART(transmitOnly: ())
    reportFault(to: &uart, kind: kind, pc: pc, lr: lr, cfsr: cfsr)
    rampart_semihost_exit(0xFA)
}

#endif

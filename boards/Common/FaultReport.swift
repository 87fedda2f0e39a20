#if RAMPART_FIRMWARE
import RampartPlatform

/// Prints the one-line fault report every board uses:
/// `FAULT HardFault pc=0x… lr=0x… cfsr=0x…`.
public func reportFault<Output: Console>(to output: inout Output, kind: UInt32, pc: UInt32, lr: UInt32, cfsr: UInt32) {
    output.write("\nFAULT ")
    switch kind {
    case 2: output.write("NMI")
    case 3: output.write("HardFault")
    case 4: output.write("MemManage")
    case 5: output.write("BusFault")
    case 6: output.write("UsageFault")
    case 254: output.write("no-entropy")
    case 255: output.write("stack-smashing")
    default: output.write("exception")
    }
    output.write(" pc=")
    output.write(hex32: pc)
    output.write(" lr=")
    output.write(hex32: lr)
    output.write(" cfsr=")
    output.write(hex32: cfsr)
    output.write("\n")
}
#endif

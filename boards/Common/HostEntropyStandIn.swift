#if RAMPART_FIRMWARE
import BoardRuntime
import RampartCrypto

/// STAND-IN, NOT A TRNG. The MPS2 boards have no random number generator, so in QEMU the
/// board reads the host's /dev/urandom through semihosting. It exists so the same firmware
/// runs in the emulator; it gives no entropy on hardware (there is no host to ask) and a
/// real board must use its own TRNG. If the host file cannot be read the board stops with
/// a fault rather than hand out predictable bytes.
public struct HostEntropyStandIn: RandomSource {
    public static let description: StaticString =
        "stand-in: host /dev/urandom over semihosting (QEMU only, NOT a TRNG)"
    private static let path: StaticString = "/dev/urandom"

    private var handle: Int32 = -1

    public init() {}

    public mutating func fill(_ buffer: inout MutableSpan<UInt8>) {
        if handle < 0 {
            handle = semihostOpen(Self.path, mode: 1)
        }
        let handle = self.handle
        let left = buffer.withUnsafeMutableBytes { bytes -> UInt32 in
            guard handle >= 0 else { return UInt32(bytes.count) }
            return rampart_semihost_read(handle, bytes.baseAddress, UInt32(bytes.count))
        }
        if left != 0 {
            rampart_fault(254, 0, 0, 0)  // no entropy: stop, never continue with zeros
        }
    }
}
#endif

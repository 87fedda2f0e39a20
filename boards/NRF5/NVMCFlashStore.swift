#if RAMPART_BOARD_NRF52840
import _Volatile
import BoardRuntime
import RampartPlatform

/// The flash page store of the nRF52840-DK: the two 4 KB flash pages at the top of flash
/// (reserved by boards/nrf52840dk/memory.ld), erased and written word by word through the
/// NVMC (nRF52840 PS §4.3). Built in CI, not run: QEMU has no nRF52840.
public struct NVMCFlashStore: FlashPageStore {
    static let nvmc: UInt = 0x4001_E000
    static let storeStart: UInt = 0x0010_0000 - 8 * 1024
    static let bytesPerPage = 4096

    enum Offset {
        static let ready: UInt = 0x400
        static let config: UInt = 0x504
        static let erasePage: UInt = 0x508
    }
    enum Config {
        static let readOnly: UInt32 = 0
        static let writeEnable: UInt32 = 1
        static let eraseEnable: UInt32 = 2
    }

    public var pageByteCount: Int { Self.bytesPerPage }
    public var pageCount: Int { 2 }

    public init() {}

    @inline(__always)
    static func register(_ offset: UInt) -> VolatileMappedRegister<UInt32> {
        VolatileMappedRegister(unsafeBitPattern: nvmc + offset)
    }

    static func waitReady() {
        while register(Offset.ready).load() == 0 {}
    }

    public mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, buffer.count <= Self.bytesPerPage else { return false }
        let address = Self.storeStart + UInt(page * Self.bytesPerPage)
        for i in 0..<buffer.count {
            buffer[i] = VolatileMappedRegister<UInt8>(unsafeBitPattern: address + UInt(i)).load()
        }
        return true
    }

    public mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, bytes.count <= Self.bytesPerPage else { return false }
        let address = Self.storeStart + UInt(page * Self.bytesPerPage)
        Self.register(Offset.config).store(Config.eraseEnable)
        Self.register(Offset.erasePage).store(UInt32(truncatingIfNeeded: address))
        Self.waitReady()
        Self.register(Offset.config).store(Config.writeEnable)
        // Word writes; the erased page already reads 0xFF past the last word written.
        var offset = 0
        while offset < bytes.count {
            var word: UInt32 = 0xFFFF_FFFF
            for k in 0..<4 where offset + k < bytes.count {
                word = word & ~(0xFF << UInt32(8 * k)) | UInt32(bytes[offset + k]) << UInt32(8 * k)
            }
            VolatileMappedRegister<UInt32>(unsafeBitPattern: address + UInt(offset)).store(word)
            Self.waitReady()
            offset += 4
        }
        Self.register(Offset.config).store(Config.readOnly)
        return true
    }
}
#endif

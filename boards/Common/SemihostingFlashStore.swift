#if RAMPART_FIRMWARE
import BoardRuntime
import RampartPlatform

/// The flash page store of a QEMU board: a host file in QEMU's working directory, read and
/// written through semihosting, so provisioning survives a reboot of the emulated board.
/// A fresh file reads as erased flash (0xFF).
public struct SemihostingFlashStore: FlashPageStore {
    /// The host file, relative to QEMU's working directory (the QEMU rig's state directory).
    public static let fileName: StaticString = "rampart-flash.bin"
    public static let bytesPerPage = 1024
    public static let pages = 2

    public var pageByteCount: Int { Self.bytesPerPage }
    public var pageCount: Int { Self.pages }

    private var handle: Int32 = -1

    public init() {}

    private mutating func open() -> Bool {
        if handle >= 0 { return true }
        // "r+b" keeps an existing file; otherwise create it ("w+b") and erase it.
        handle = semihostOpen(Self.fileName, mode: 3)
        if handle >= 0, rampart_semihost_flen(handle) >= Int32(Self.bytesPerPage * Self.pages) { return true }
        if handle >= 0 { _ = rampart_semihost_close(handle) }
        handle = semihostOpen(Self.fileName, mode: 7)
        guard handle >= 0 else { return false }
        let erased = InlineArray<64, UInt8>(repeating: 0xFF)
        var written = 0
        while written < Self.bytesPerPage * Self.pages {
            let handle = self.handle
            let left = erased.span.withUnsafeBytes { rampart_semihost_write(handle, $0.baseAddress, 64) }
            guard left == 0 else { return false }
            written += 64
        }
        return true
    }

    public mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool {
        guard page >= 0, page < Self.pages, buffer.count <= Self.bytesPerPage, open() else { return false }
        guard rampart_semihost_seek(handle, UInt32(page * Self.bytesPerPage)) == 0 else { return false }
        let handle = self.handle
        let left = buffer.withUnsafeMutableBytes { rampart_semihost_read(handle, $0.baseAddress, UInt32($0.count)) }
        return left == 0
    }

    public mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        guard page >= 0, page < Self.pages, bytes.count <= Self.bytesPerPage, open() else { return false }
        guard rampart_semihost_seek(handle, UInt32(page * Self.bytesPerPage)) == 0 else { return false }
        let handle = self.handle
        let left = bytes.withUnsafeBytes { rampart_semihost_write(handle, $0.baseAddress, UInt32($0.count)) }
        guard left == 0 else { return false }
        // The rest of the page reads erased, as after a flash page erase.
        var written = bytes.count
        let erased = InlineArray<64, UInt8>(repeating: 0xFF)
        while written < Self.bytesPerPage {
            let chunk = min(64, Self.bytesPerPage - written)
            let left = erased.span.withUnsafeBytes { rampart_semihost_write(handle, $0.baseAddress, UInt32(chunk)) }
            guard left == 0 else { return false }
            written += chunk
        }
        return true
    }
}
#endif

import RampartPlatform

/// Two 1024-byte flash pages in RAM, erased (0xFF) at start: the record slots for the
/// simulator, for a board image without persistent storage, and for the Embedded build's
/// specialization of `DeviceApplication`. A copy of the value is a copy of the flash, which
/// is how a test or the simulator "reboots" a device with what it had stored.
public struct RAMFlashPageStore: FlashPageStore {
    /// The pages, one after the other.
    var storage: InlineArray<2048, UInt8>

    /// An erased store.
    public init() {
        storage = InlineArray(repeating: 0xFF)
    }

    public var pageByteCount: Int { 1024 }
    public var pageCount: Int { 2 }

    public mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, buffer.count <= pageByteCount else { return false }
        let start = page &* pageByteCount
        for i in 0..<buffer.count { buffer[i] = storage[start &+ i] }
        return true
    }

    public mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, bytes.count <= pageByteCount else { return false }
        let start = page &* pageByteCount
        for i in 0..<pageByteCount { storage[start &+ i] = i < bytes.count ? bytes[i] : 0xFF }
        return true
    }
}

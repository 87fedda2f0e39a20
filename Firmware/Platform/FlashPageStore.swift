/// Persistent storage in whole pages, as flash is erased and written: a page write replaces
/// the page. QEMU boards back it with a host file through semihosting; real boards with
/// their flash controller. Issue-level users (provisioning) keep two slots with a CRC on top.
public protocol FlashPageStore {
    /// Bytes in one page.
    var pageByteCount: Int { get }
    /// Pages available to the store.
    var pageCount: Int { get }
    /// Reads page `page` into `buffer` (`buffer.count == pageByteCount`); false on failure.
    mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool
    /// Erases page `page` and writes `bytes` (`bytes.count == pageByteCount`); false on failure.
    mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool
}

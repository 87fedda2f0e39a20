/// Persistent storage in whole pages, as flash is erased and written: a page write replaces
/// the page. QEMU boards back it with a host file through semihosting; real boards with
/// their flash controller. Provisioning keeps its two record slots in pages 0 and 1
/// (`ProvisioningStore`, docs/provisioning.md).
public protocol FlashPageStore {
    /// Bytes in one page.
    var pageByteCount: Int { get }
    /// Pages available to the store.
    var pageCount: Int { get }
    /// Reads the first `buffer.count` bytes (≤ `pageByteCount`) of page `page`; false on failure.
    mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool
    /// Erases page `page`, then writes `bytes` (≤ `pageByteCount`) at its start; the rest of
    /// the page reads erased (0xFF). False on failure, after which the page's content is
    /// undefined (a torn write): readers must check an integrity code.
    mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool
}

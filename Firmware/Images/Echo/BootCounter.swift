#if RAMPART_FIRMWARE
import RampartPlatform

/// A boot counter in page 0 of the flash store: magic "RBC1" then a little-endian UInt32.
/// It shows the store persists across reboots (the device application keeps its two-slot
/// provisioning record in the same store).
enum BootCounter {
    static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x52, 0x42, 0x43, 0x31)

    static func increment<Flash: FlashPageStore>(_ flash: inout Flash) -> UInt32 {
        // The store reads and writes page prefixes: eight bytes are the whole record.
        var page = InlineArray<8, UInt8>(repeating: 0xFF)
        var count: UInt32 = 0
        var span = page.mutableSpan
        if flash.read(page: 0, into: &span),
           page[0] == magic.0, page[1] == magic.1, page[2] == magic.2, page[3] == magic.3 {
            count = UInt32(page[4]) | UInt32(page[5]) << 8 | UInt32(page[6]) << 16 | UInt32(page[7]) << 24
        }
        count &+= 1
        page[0] = magic.0; page[1] = magic.1; page[2] = magic.2; page[3] = magic.3
        page[4] = UInt8(truncatingIfNeeded: count)
        page[5] = UInt8(truncatingIfNeeded: count >> 8)
        page[6] = UInt8(truncatingIfNeeded: count >> 16)
        page[7] = UInt8(truncatingIfNeeded: count >> 24)
        _ = flash.write(page: 0, from: page.span)
        return count
    }
}
#endif

#if RAMPART_FIRMWARE
import RampartPlatform

/// A boot counter in page 0 of the flash store: magic "RBC1" then a little-endian UInt32.
/// It shows the store persists across reboots; provisioning (issue 5) replaces it with the
/// two-slot record.
#if RAMPART_BOARD_NRF52840
typealias PageBuffer = InlineArray<4096, UInt8>
#else
typealias PageBuffer = InlineArray<1024, UInt8>
#endif

enum BootCounter {
    static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x52, 0x42, 0x43, 0x31)

    static func increment<Flash: FlashPageStore>(_ flash: inout Flash) -> UInt32 {
        var page = PageBuffer(repeating: 0xFF)
        guard flash.pageByteCount == page.count else { return 0 }
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

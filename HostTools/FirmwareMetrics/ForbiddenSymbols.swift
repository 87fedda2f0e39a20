/// Symbols a Rampart firmware image must never link (issue 2): software floating point
/// (the firmware is fixed-point only) and the heap (it allocates nothing).
public enum ForbiddenSymbols {
    /// Why a symbol is forbidden, or nil when it is allowed.
    public static func reason(for name: String) -> String? {
        if name.hasPrefix("__aeabi_f") || name.hasPrefix("__aeabi_d") || name.hasPrefix("__aeabi_i2f")
            || name.hasPrefix("__aeabi_i2d") || name.hasPrefix("__aeabi_ui2f") || name.hasPrefix("__aeabi_ui2d")
            || name.hasPrefix("__aeabi_l2f") || name.hasPrefix("__aeabi_l2d") || name.hasPrefix("__aeabi_ul2")
        { return "floating-point helper" }
        if name.hasPrefix("__") && (name.hasSuffix("sf3") || name.hasSuffix("df3") || name.hasSuffix("sf2")
            || name.hasSuffix("df2") || name.hasSuffix("sfsi") || name.hasSuffix("dfsi") || name.hasSuffix("sisf")
            || name.hasSuffix("sidf"))
        { return "floating-point helper" }
        switch name {
        case "malloc", "calloc", "realloc", "free", "posix_memalign", "aligned_alloc",
             "swift_allocObject", "swift_slowAlloc", "swift_allocBox", "swift_allocEmptyBox":
            return "heap allocation"
        default:
            return nil
        }
    }

    /// Every forbidden symbol in `elf` (defined or referenced), with its reason.
    public static func violations(in elf: ELFFile) -> [(symbol: String, reason: String)] {
        elf.symbols.compactMap { symbol in reason(for: symbol.name).map { (symbol.name, $0) } }
    }
}

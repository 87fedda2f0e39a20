#if RAMPART_FIRMWARE
import BoardRuntime

/// SYS_OPEN of a host file named by a static string; the handle, or -1.
/// Modes as in the semihosting specification: 1 "rb", 3 "r+b", 7 "w+b".
func semihostOpen(_ path: StaticString, mode: UInt32) -> Int32 {
    path.withUTF8Buffer { name in
        rampart_semihost_open(UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self),
                              UInt32(name.count), mode)
    }
}
#endif

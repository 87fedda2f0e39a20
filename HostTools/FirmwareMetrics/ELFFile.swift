import Foundation

/// A 32-bit little-endian ELF file (the firmware images), read for its sections and
/// symbols: enough to measure flash and RAM use and to check which symbols an image links.
/// Layout from the System V ABI (gABI) "Object Files" chapter.
public struct ELFFile: Sendable {
    public struct Section: Sendable, Equatable {
        public let name: String
        public let type: UInt32
        public let flags: UInt32
        public let address: UInt32
        public let size: UInt32

        /// SHF_ALLOC: occupies memory on the device.
        public var isAllocated: Bool { flags & 0x2 != 0 }
        /// SHT_NOBITS: occupies RAM but no bytes in the image (.bss, .stack).
        public var isNoBits: Bool { type == 8 }
        /// SHF_WRITE.
        public var isWritable: Bool { flags & 0x1 != 0 }
    }

    public struct Symbol: Sendable, Equatable {
        public let name: String
        public let value: UInt32
        public let size: UInt32
        /// STT_* from st_info (0 NOTYPE, 1 OBJECT, 2 FUNC, …).
        public let type: UInt8
        /// True when the symbol is referenced but not defined here (st_shndx == SHN_UNDEF).
        public let isUndefined: Bool
    }

    public let sections: [Section]
    public let symbols: [Symbol]

    public enum Error: Swift.Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case notELF32LittleEndian(path: String)
        case truncated(path: String, what: String)

        public var description: String {
            switch self {
            case let .unreadable(path, reason): "cannot read \(path): \(reason)"
            case let .notELF32LittleEndian(path): "\(path) is not a 32-bit little-endian ELF file"
            case let .truncated(path, what): "\(path) is truncated (\(what) runs past the end of the file)"
            }
        }
    }

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Error.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), path: path)
    }

    public init(bytes: [UInt8], path: String = "<memory>") throws {
        guard bytes.count >= 52, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46,
              bytes[4] == 1 /* ELFCLASS32 */, bytes[5] == 1 /* ELFDATA2LSB */ else {
            throw Error.notELF32LittleEndian(path: path)
        }
        func u16(_ o: Int) throws -> UInt32 {
            guard o + 2 <= bytes.count else { throw Error.truncated(path: path, what: "a header field") }
            return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8
        }
        func u32(_ o: Int) throws -> UInt32 {
            guard o + 4 <= bytes.count else { throw Error.truncated(path: path, what: "a header field") }
            return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        func string(_ tableOffset: Int, _ index: UInt32) throws -> String {
            var end = tableOffset + Int(index)
            guard end < bytes.count else { throw Error.truncated(path: path, what: "a string table") }
            let start = end
            while end < bytes.count && bytes[end] != 0 { end += 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        let sectionHeaderOffset = Int(try u32(32))
        let sectionHeaderSize = Int(try u16(46))
        let sectionCount = Int(try u16(48))
        let namesIndex = Int(try u16(50))

        struct RawSection { let nameIndex, type, flags, address, offset, size, link, entrySize: UInt32 }
        var raw: [RawSection] = []
        for i in 0..<sectionCount {
            let o = sectionHeaderOffset + i * sectionHeaderSize
            raw.append(RawSection(nameIndex: try u32(o), type: try u32(o + 4), flags: try u32(o + 8),
                                  address: try u32(o + 12), offset: try u32(o + 16), size: try u32(o + 20),
                                  link: try u32(o + 24), entrySize: try u32(o + 36)))
        }
        guard namesIndex < raw.count else { throw Error.truncated(path: path, what: "the section name table index") }
        let namesOffset = Int(raw[namesIndex].offset)
        sections = try raw.map {
            Section(name: try string(namesOffset, $0.nameIndex), type: $0.type, flags: $0.flags,
                    address: $0.address, size: $0.size)
        }

        var symbols: [Symbol] = []
        for table in raw where table.type == 2 /* SHT_SYMTAB */ {
            guard Int(table.link) < raw.count else { continue }
            let stringsOffset = Int(raw[Int(table.link)].offset)
            let entry = table.entrySize == 0 ? 16 : Int(table.entrySize)
            let count = Int(table.size) / entry
            for i in 0..<count {
                let o = Int(table.offset) + i * entry
                guard o + 16 <= bytes.count else { throw Error.truncated(path: path, what: "the symbol table") }
                let nameIndex = try u32(o)
                guard nameIndex != 0 else { continue }
                symbols.append(Symbol(name: try string(stringsOffset, nameIndex), value: try u32(o + 4),
                                      size: try u32(o + 8), type: bytes[o + 12] & 0xF,
                                      isUndefined: try u16(o + 14) == 0))
            }
        }
        self.symbols = symbols
    }

    /// Bytes the image occupies in flash: allocated sections with contents (code, read-only
    /// data, exception index, the initial values of .data).
    public var flashBytes: Int {
        sections.filter { $0.isAllocated && !$0.isNoBits }.reduce(0) { $0 + Int($1.size) }
    }

    /// Bytes of RAM reserved statically: writable allocated sections except the stack.
    public var staticRAMBytes: Int {
        sections.filter { $0.isAllocated && $0.isWritable && $0.name != ".stack" }.reduce(0) { $0 + Int($1.size) }
    }

    /// Bytes reserved for the stack by the linker script.
    public var stackReservedBytes: Int {
        sections.first { $0.name == ".stack" }.map { Int($0.size) } ?? 0
    }

    /// Total size of the defined symbols whose (mangled) name contains `fragment`, e.g. the
    /// Swift module mangling "13RampartCrypto" for everything the crypto core contributes.
    public func definedSymbolBytes(containing fragment: String) -> Int {
        symbols.filter { !$0.isUndefined && $0.name.contains(fragment) }.reduce(0) { $0 + Int($1.size) }
    }

    /// Total size of the defined symbols that belong to the Swift module `module`: its own
    /// functions and data, and their specializations for other modules' types (which keep the
    /// mangling of the entity they specialize), but not another module's code whose name
    /// merely mentions one of its types.
    public func definedSymbolBytes(inModule module: String) -> Int {
        symbols.filter { !$0.isUndefined && Self.swiftModule(ofSymbol: $0.name) == module }
            .reduce(0) { $0 + Int($1.size) }
    }

    /// The module of a Swift symbol: the first identifier after the mangling prefix (`$e`
    /// Embedded, `$s` Swift 5+), e.g. "RampartProtocol" for
    /// `$e15RampartProtocol14EDHOCInitiatorV…`; a local label around it (`.Lswitch.table.`) is
    /// skipped. Nil for C symbols.
    public static func swiftModule(ofSymbol name: String) -> String? {
        let prefixes = [name.range(of: "$e"), name.range(of: "$s")].compactMap { $0 }
        guard let prefix = prefixes.min(by: { $0.lowerBound < $1.lowerBound }) else { return nil }
        let rest = name[prefix.upperBound...]
        let digits = rest.prefix(while: \.isNumber)
        guard let length = Int(digits), length > 0 else { return nil }
        let identifier = rest.dropFirst(digits.count).prefix(length)
        return identifier.count == length ? String(identifier) : nil
    }
}

import Foundation

/// The firmware images the build produces for each board, and the make target behind each.
public enum FirmwareImage: String, Sendable, CaseIterable {
    /// The device application: provisioning, EDHOC and OSCORE telemetry as serial frames
    /// on UART0, a human log on the semihosting console (docs/provisioning.md).
    case application = "rampart.elf"
    /// The board check: prints `rampart ready` at boot, echoes lines, exits on `!exit`, faults
    /// on `!fault`, counts boots in flash. The rig's and board-support tests boot it.
    case echo = "echo.elf"
    /// The self-test: ends with `self-test: N passed, M failed` and exits with 0 only if M is 0.
    case selfTest = "selftest.elf"

    /// The image's path under a repository checkout: `.build/firmware/<board>/<file>`.
    public func path(repositoryRoot: URL, board: QEMUBoard) -> URL {
        repositoryRoot.appending(components: ".build", "firmware", board.rawValue, rawValue)
    }

    /// The command that builds this image for `board`.
    public func buildCommand(board: QEMUBoard) -> String {
        switch self {
        case .application: "make firmware BOARD=\(board.rawValue)"
        case .echo: "make echo-image BOARD=\(board.rawValue)"
        case .selfTest: "make selftest-image BOARD=\(board.rawValue)"
        }
    }

    /// The command that builds the file at `path`, guessed from its name.
    static func buildCommand(forFileAt path: URL, board: QEMUBoard) -> String {
        if let image = FirmwareImage(rawValue: path.lastPathComponent) {
            return image.buildCommand(board: board)
        }
        return "make firmware BOARD=\(board.rawValue)` or `make selftest-images"
    }
}

/// Checks that a firmware file exists and is a 32-bit little-endian Arm ELF.
enum FirmwareCheck {
    /// ELF identification and `e_machine` (ELF specification, "ELF Header").
    private static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    private static let elfClass32: UInt8 = 1
    private static let elfDataLittleEndian: UInt8 = 1
    private static let elfMachineARM: UInt16 = 40
    private static let headerPrefixBytes = 20

    static func validate(_ path: URL, board: QEMUBoard) throws(QEMURigError) {
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw .firmwareMissing(path: path.path,
                                   buildCommand: FirmwareImage.buildCommand(forFileAt: path, board: board))
        }
        guard let handle = FileHandle(forReadingAtPath: path.path),
              let header = try? handle.read(upToCount: headerPrefixBytes),
              header.count == headerPrefixBytes else {
            throw .firmwareNotArmELF(path: path.path)
        }
        try? handle.close()
        let bytes = [UInt8](header)
        let machine = UInt16(bytes[18]) | UInt16(bytes[19]) << 8
        guard Array(bytes[0..<4]) == elfMagic, bytes[4] == elfClass32,
              bytes[5] == elfDataLittleEndian, machine == elfMachineARM else {
            throw .firmwareNotArmELF(path: path.path)
        }
    }
}

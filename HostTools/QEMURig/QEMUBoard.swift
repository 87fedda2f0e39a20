/// An Arm board that QEMU emulates and Rampart's firmware supports.
///
/// The raw value is QEMU's machine name (`qemu-system-arm -M <name>`), which is also the
/// `BOARD=` value of the firmware make targets.
public enum QEMUBoard: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// ARM MPS2 with the AN386 image: Cortex-M4, CMSDK UART0 at 0x4000_4000, CMSDK Timer0.
    case mps2AN386 = "mps2-an386"
    /// ARM MPS2 with the AN385 image: Cortex-M3, CMSDK UART0 at 0x4000_4000, CMSDK Timer0.
    case mps2AN385 = "mps2-an385"
    /// BBC micro:bit v1: nRF51822, Cortex-M0, 16 KiB RAM, nRF UART at 0x4000_2000.
    case microbit = "microbit"

    /// Looks a board up by its QEMU machine name.
    ///
    /// - Throws: ``QEMURigError/unknownBoard(_:)`` naming the boards that exist.
    public init(named name: String) throws(QEMURigError) {
        guard let board = QEMUBoard(rawValue: name) else { throw .unknownBoard(name) }
        self = board
    }

    /// QEMU's machine name, passed as `-M`.
    public var machine: String { rawValue }

    /// The processor core QEMU emulates on this board.
    public var core: String {
        switch self {
        case .mps2AN386: "Cortex-M4"
        case .mps2AN385: "Cortex-M3"
        case .microbit: "Cortex-M0"
        }
    }

    public var description: String { rawValue }
}

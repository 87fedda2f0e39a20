import RampartCrypto

/// What a board gives the firmware: a UART, a clock, a random source, a flash page store,
/// and a way to stop. The firmware images are generic over it; each board folder provides
/// one conforming type.
public protocol Board {
    associatedtype Serial: SerialPort
    associatedtype Clock: MonotonicClock
    associatedtype Entropy: RandomSource
    associatedtype Flash: FlashPageStore

    /// The board's name as `make firmware BOARD=…` spells it.
    static var name: StaticString { get }
    /// What the random source is. Says "TRNG" only for a hardware true random generator.
    static var entropyDescription: StaticString { get }

    var serial: Serial { get set }
    var clock: Clock { get set }
    var entropy: Entropy { get set }
    var flash: Flash { get set }

    /// Brings up the UART (with its receive interrupt), the timer, the random source and
    /// the flash store. Called once, first thing in main.
    static func start() -> Self

    /// Stops the program with `status` (QEMU: semihosting exit; hardware: reset).
    func exit(status: UInt32) -> Never
}

import RampartCrypto

/// What a board gives the firmware: a UART, a clock, a random source, a flash page store,
/// and a way to stop. The firmware images are generic over it; each board folder provides
/// one conforming type.
public protocol Board {
    associatedtype Serial: SerialPort
    associatedtype Clock: MonotonicClock
    associatedtype Entropy: RandomSource
    associatedtype Flash: FlashPageStore
    associatedtype Log: Console

    /// The board's name as `make firmware BOARD=…` spells it.
    static var name: StaticString { get }
    /// What the random source is. Says "TRNG" only for a hardware true random generator.
    static var entropyDescription: StaticString { get }

    var serial: Serial { get set }
    var clock: Clock { get set }
    var entropy: Entropy { get set }
    var flash: Flash { get set }
    /// Human-readable lines for whoever watches the board (QEMU: its standard output through
    /// semihosting; hardware without a debugger: discarded). UART0 carries only serial frames.
    var log: Log { get set }

    /// Brings up the UART (with its receive interrupt), the timer, the random source and
    /// the flash store. Called once, first thing in main.
    static func start() -> Self

    /// Sleeps until a byte arrives on the UART or about `microseconds` have passed, whatever
    /// comes first; any interrupt may end it sooner, so callers check the clock again.
    mutating func sleep(microseconds: UInt64)

    /// Stops the program with `status` (QEMU: semihosting exit; hardware: reset).
    func exit(status: UInt32) -> Never
}

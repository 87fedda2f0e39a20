import RampartCrypto
import RampartDevice
import RampartPlatform
import RampartProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The whole device as a board runs it (`DeviceApplication`: provisioning in front of the
/// EDHOC/OSCORE device), over a flash chip that survives reboots and can tear a write the
/// way a power cut does.
final class ApplicationBoard: BoardLogic {
    typealias Application = DeviceApplication<SoftwareCrypto<HMACDRBG>, ConstantSensor, TearableFlash>

    let chip = FlashChip()
    private(set) var application: Application?
    private let booted = ContinuousClock.now
    /// The board lost power during a flash write: it answers nothing until `reboot()`.
    private(set) var isDead = false
    /// The public key x of every offer the board sent.
    private(set) var offeredKeys: [[UInt8]] = []
    /// CoAP datagrams the board sent (EDHOC message_1 once provisioned).
    private(set) var coapCount = 0

    init() {
        application = Self.boot(chip: chip, now: 0)
    }

    /// Power-cycles the board: a new application loads whatever the flash holds.
    func reboot() {
        _ = application.take()?.shutdown()
        chip.powerCycle()
        isDead = false
        application = Self.boot(chip: chip, now: now)
    }

    var phase: DevicePhase? { application?.phase }
    var keyID: [UInt8]? { application?.keyID.map { kid in (0..<kid.count).map { kid[$0] } } }
    var deviceID: [UInt8]? { application?.deviceID.map { id in (0..<id.count).map { id[$0] } } }

    func receive(_ payload: [UInt8]) -> [[UInt8]] {
        guard !isDead, application != nil else { return [] }
        application!.receive(payload.span, nowMilliseconds: now)
        if chip.tornWrite {
            // The write was cut: whatever the application would say next never leaves.
            isDead = true
            return []
        }
        return drain()
    }

    func tick() -> [[UInt8]] {
        guard !isDead, application != nil else { return [] }
        return drain()
    }

    /// Everything the application has to send now.
    private func drain() -> [[UInt8]] {
        var sent: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: SerialFraming.maxPayloadByteCount)
        // Bounded: a device sends a handful of datagrams at a time.
        for _ in 0..<8 {
            var count = 0
            do {
                var output = buffer.mutableSpan
                count = application!.poll(nowMilliseconds: now, into: &output).datagramByteCount
            }
            guard count > 0 else { break }
            let payload = Array(buffer[0..<count])
            if ProvisioningMessage.isProvisioning(firstByte: payload[0]) {
                if case .offer(let offer)? = try? ProvisioningMessage(parsing: payload.span) {
                    offeredKeys.append((0..<32).map { offer.x[$0] })
                }
            } else {
                coapCount += 1
            }
            sent.append(payload)
        }
        return sent
    }

    private var now: UInt64 {
        let elapsed = ContinuousClock.now - booted
        return UInt64(elapsed.components.seconds) * 1000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    private static func boot(chip: FlashChip, now: UInt64) -> Application {
        var entropy = [UInt8](repeating: 0, count: 48)
        entropy.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        let crypto = SoftwareCrypto(random: HMACDRBG(entropy: entropy.span, nonce: [UInt8]().span,
                                                     personalization: [UInt8]().span))
        return Application(crypto: crypto, sensor: ConstantSensor(), flash: TearableFlash(chip: chip),
                           firmwareVersion: "rampart-app-test", nowMilliseconds: now)
    }
}

/// 21.5 °C, always.
struct ConstantSensor: DeviceSensor {
    mutating func sampleQ16(nowMilliseconds: UInt64) -> Int32 { 21 << 16 | 0x8000 }
}

/// Two 1024-byte pages that outlive the application using them. `tearNextWrite` makes the
/// next page write stop half-way, as a power cut would.
final class FlashChip {
    static let pageByteCount = 1024
    var pages = [[UInt8]](repeating: [UInt8](repeating: 0xFF, count: pageByteCount), count: 2)
    var tearNextWrite = false
    private(set) var tornWrite = false

    /// Power comes back: the torn page stays as it was left.
    func powerCycle() { tornWrite = false }

    func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        var content = [UInt8](repeating: 0xFF, count: Self.pageByteCount)
        let written = tearNextWrite ? bytes.count / 2 : bytes.count
        for i in 0..<written { content[i] = bytes[i] }
        pages[page] = content
        if tearNextWrite {
            tearNextWrite = false
            tornWrite = true
        }
        return true
    }
}

/// The application's view of a `FlashChip`.
struct TearableFlash: FlashPageStore {
    let chip: FlashChip

    var pageByteCount: Int { FlashChip.pageByteCount }
    var pageCount: Int { chip.pages.count }

    mutating func read(page: Int, into buffer: inout MutableSpan<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, buffer.count <= pageByteCount else { return false }
        for i in 0..<buffer.count { buffer[i] = chip.pages[page][i] }
        return true
    }

    mutating func write(page: Int, from bytes: Span<UInt8>) -> Bool {
        guard page >= 0, page < pageCount, bytes.count <= pageByteCount else { return false }
        return chip.write(page: page, from: bytes)
    }
}

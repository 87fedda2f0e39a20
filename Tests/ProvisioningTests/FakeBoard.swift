import Foundation
import RampartCrypto
import RampartDevice
import RampartHostCrypto
import RampartPlatform
import RampartProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a board does with one received frame payload: the payloads it sends back.
protocol BoardLogic: AnyObject {
    func receive(_ payload: [UInt8]) -> [[UInt8]]
    /// What the board sends unasked (CoAP retransmissions); called every few milliseconds.
    func tick() -> [[UInt8]]
}

extension BoardLogic {
    func tick() -> [[UInt8]] { [] }
}

/// The board's provisioning logic as the firmware runs it (`ProvisioningResponder` over a
/// RAM flash with a software DRBG), with knobs that make it misbehave the way real boards
/// do: still booting, chatting CoAP, dying before or after its flash write.
final class ResponderBoard: BoardLogic {
    var responder = ProvisioningResponder(firmwareVersion: "rampart-test 1.0")
    var store = ProvisioningStore(flash: RAMFlashPageStore())
    var crypto: SoftwareCrypto<HMACDRBG>
    /// The identity loaded from flash (nil: unprovisioned).
    var identity: ProvisionedIdentity?

    /// `status` messages left unanswered first (a board still booting).
    var unansweredStatusCount = 0
    /// A CoAP frame before every answer (a provisioned board talking to a gateway).
    var sendsCoAP = false
    /// Dies before writing: `provision` is never processed (the board stays unprovisioned).
    var ignoresProvision = false
    /// Dies after writing: the record is saved, but `done` never leaves.
    var dropsDone = false

    /// The public key x of every offer sent.
    private(set) var offeredKeys: [[UInt8]] = []
    /// The policies of `provision` messages received.
    private(set) var receivedPolicies: [ProvisioningPolicy] = []

    init() {
        var entropy = [UInt8](repeating: 0, count: 48)
        entropy.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        crypto = SoftwareCrypto(random: HMACDRBG(entropy: entropy.span, nonce: [UInt8]().span,
                                                 personalization: [UInt8]().span))
    }

    func receive(_ payload: [UInt8]) -> [[UInt8]] {
        guard let first = payload.first, ProvisioningMessage.isProvisioning(firstByte: first) else { return [] }
        if let message = try? ProvisioningMessage(parsing: payload.span) {
            switch message {
            case .status where unansweredStatusCount > 0:
                unansweredStatusCount -= 1
                return []
            case .provision(_, _, _, let policy):
                if ignoresProvision { return [] }
                receivedPolicies.append(policy)
            default: break
            }
        }
        var result = if let identity {
            responder.respondProvisioned(to: payload.span, identity: identity, store: &store)
        } else {
            responder.respondUnprovisioned(to: payload.span, crypto: &crypto, store: &store)
        }
        if let record = result.savedRecord.take() {
            identity = ProvisionedIdentity(record: record)
            record.destroy()
        }
        if result.didFactoryReset { identity = nil }
        guard let answer = result.answer else { return [] }
        if case .offer(let offer) = answer { offeredKeys.append((0..<32).map { offer.x[$0] }) }
        if case .done = answer, dropsDone { return [] }
        let encoded = Self.encode(answer)
        return sendsCoAP ? [Self.coapConfirmable, encoded] : [encoded]
    }

    /// A CoAP CON POST with a token, as telemetry starts (first byte 0x44: version 1).
    static let coapConfirmable: [UInt8] = [0x44, 0x02, 0x12, 0x34, 0xAA, 0xBB, 0xCC, 0xDD]

    static func encode(_ message: ProvisioningMessage) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: ProvisioningMessage.maxByteCount)
        var count = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try? message.write(into: &writer)
            count = writer.count
        }
        return Array(buffer[0..<count])
    }
}

/// A board on the master side of a pseudo-terminal, served by a thread until `stop()`.
final class FakeBoard: @unchecked Sendable {
    let pty: PseudoTerminalPair
    let logic: any BoardLogic
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var running = false

    var path: String { pty.slavePath }

    init(_ logic: any BoardLogic) throws {
        pty = try PseudoTerminalPair()
        self.logic = logic
    }

    /// Starts serving; `logic` belongs to the board thread until `stop()` returns.
    func start() {
        running = true
        stopping.store(false, ordering: .releasing)
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.start()
    }

    /// Stops the thread and waits for it.
    func stop() {
        guard running else { return }
        running = false
        stopping.store(true, ordering: .releasing)
        finished.wait()
    }

    deinit { stop() }

    private func serve() {
        var decoder = SerialFrameDecoder512()
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !stopping.load(ordering: .acquiring) {
            for payload in logic.tick() { try? pty.write(try serialFrame(payload)) }
            var entry = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 20) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(pty.master, $0.baseAddress, $0.count) }
            guard count > 0 else {
                // No one has the slave open (EIO): wait for the host to open it.
                usleep(5000)
                continue
            }
            var payloads: [[UInt8]] = []
            decoder.feed(buffer.span.extracting(0..<count)) { payload in
                payloads.append((0..<payload.count).map { payload[$0] })
            }
            for payload in payloads {
                for answer in logic.receive(payload) {
                    try? pty.write(try serialFrame(answer))
                }
            }
        }
    }
}

// The Rampart device application (`rampart.elf`): the board side of docs/provisioning.md and
// docs/gateway-protocol.md. UART0 carries serial frames only (`SerialFraming`: provisioning
// messages and CoAP); what the device does is logged as lines on the board's log (QEMU: its
// standard output through semihosting).
//
// The loop: feed received bytes to the frame decoder and each frame to the application, send
// whatever the application has to send, then sleep until a byte arrives or the application's
// next deadline.
#if RAMPART_FIRMWARE
import BoardCommon
import BoardRuntime
import BoardSelection
import RampartCrypto
import RampartDevice
import RampartPlatform
import RampartProtocol

/// What `status` and `offer` report as the firmware version.
let firmwareVersion: StaticString = "rampart-0.5"
/// The longest sleep: the clocks extend their 32-bit counters by noticing wraps, which needs a
/// reading at least every 134 s on the nRF boards.
let maxSleepMilliseconds: UInt64 = 60_000

/// A frame as `send` writes it: the longest payload the application sends
/// (`DeviceApplication.maxPayloadByteCount`, 256) framed, `SerialFraming.maxFrameByteCount(
/// payloadByteCount: 256)` = 264 bytes. The board's stack is small (the micro:bit has 16 KB
/// of RAM in all): buffers are sized for what is sent, not for the largest frame possible.
typealias FrameStorage = InlineArray<264, UInt8>
/// What `DeviceApplication.poll` writes into.
typealias PayloadStorage = InlineArray<256, UInt8>

func applicationMain() -> Never {
    // Peak stack is measured by painting (make bench-firmware reads it from the log).
    rampart_stack_paint()
    var board = ThisBoard.start()
    board.log.write("rampart: firmware ")
    board.log.write(firmwareVersion)
    board.log.write(" on ")
    board.log.write(ThisBoard.name)
    board.log.write("\nrampart: random source: ")
    board.log.write(ThisBoard.entropyDescription)
    board.log.write("\n")

    var application = makeApplication(entropy: &board.entropy, flash: board.flash)
    application.start(nowMilliseconds: milliseconds(&board.clock))
    var reporter = LogReporter()
    reporter.report(&application, to: &board.log)

    var measurement = BootMeasurement()
    var decoder = SerialFrameDecoder<512>()
    var payload = PayloadStorage(repeating: 0)
    var frame = FrameStorage(repeating: 0)
    while true {
        while let byte = board.serial.read() {
            if let received = decoder.feed(byte) {
                application.receive(received, nowMilliseconds: milliseconds(&board.clock))
            }
        }
        var wakeAt = UInt64.max
        while true {
            let now = milliseconds(&board.clock)
            var output = payload.mutableSpan
            let poll = application.poll(nowMilliseconds: now, into: &output)
            if poll.datagramByteCount > 0 {
                send(payload.span.extracting(0..<poll.datagramByteCount), frame: &frame, to: &board.serial)
            }
            wakeAt = poll.wakeAtMilliseconds
            if poll.datagramByteCount == 0 && wakeAt > now { break }
        }
        reporter.report(&application, to: &board.log)
        measurement.check(&application, clock: &board.clock, log: &board.log)
        let now = milliseconds(&board.clock)
        if wakeAt > now {
            let asleepAt = board.clock.nowTicks()
            board.sleep(microseconds: min(wakeAt &- now, maxSleepMilliseconds) &* 1000)
            measurement.sleptTicks &+= board.clock.nowTicks() &- asleepAt
        }
    }
}

/// The application with its random streams, not started yet. Not inlined: the generators and the provider
/// being built are temporaries of this frame, gone before the main loop runs, rather than
/// stack the main loop's frame keeps for ever.
/// The application starts (reads its record) in the main loop's frame, after this one
/// has returned.
@inline(never)
func makeApplication<Entropy: RandomSource, Flash: FlashPageStore>(
    entropy: inout Entropy, flash: Flash
) -> DeviceApplication<SoftwareCrypto<HMACDRBG>, WaveformSensor<HMACDRBG>, Flash> {
    DeviceApplication(
        crypto: SoftwareCrypto(random: makeGenerator(&entropy, purpose: "rampart device")),
        sensor: WaveformSensor(noise: makeGenerator(&entropy, purpose: "rampart sensor noise")),
        flash: flash, firmwareVersion: firmwareVersion)
}

/// An HMAC-DRBG instantiated from 48 bytes of the board's random source (SP 800-90A: entropy
/// input and nonce), personalised by `purpose` so the device's and the sensor's streams differ.
func makeGenerator<Entropy: RandomSource>(_ entropy: inout Entropy, purpose: StaticString) -> HMACDRBG {
    var seed = InlineArray<48, UInt8>(repeating: 0)
    var span = seed.mutableSpan
    entropy.fill(&span)
    let generator = purpose.withUTF8Buffer { text in
        HMACDRBG(entropy: seed.span.extracting(0..<32), nonce: seed.span.extracting(32..<48),
                 personalization: Span(_unsafeElements: text))
    }
    seed.wipe()
    return generator
}

func milliseconds<Clock: MonotonicClock>(_ clock: inout Clock) -> UInt64 {
    clock.nowMilliseconds()
}

/// Frames `payload` and writes it to the UART.
func send<Serial: SerialPort>(_ payload: Span<UInt8>, frame: inout FrameStorage, to serial: inout Serial) {
    var count = 0
    do {
        var writer = ByteWriter(frame.mutableSpan)
        do throws(SerialFramingError) {
            try SerialFrameEncoder.encode(payload, into: &writer)
        } catch {
            return
        }
        count = writer.count
    }
    serial.write(bytes: frame.span.extracting(0..<count))
}

applicationMain()
#endif

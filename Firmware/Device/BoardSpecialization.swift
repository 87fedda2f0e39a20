#if RAMPART_FIRMWARE
import RampartCrypto
import RampartPlatform
import RampartProtocol

// The device as a board runs it: `SoftwareCrypto` over an HMAC-DRBG, the waveform sensor
// with its own DRBG, provisioning in front. Embedded Swift checks generic code only where it
// is specialized, so without a concrete use in this module a firmware build of it would
// compile nothing of the state machine. This specialization makes `swift build --target
// RampartDevice` for a board (and `make no-allocations`' aarch64 build with
// `-no-allocations`) hold the whole application — responder, record store, device — to
// Embedded Swift's rules, with the flash in RAM standing for the board's.

/// A device on a board, with its sensor.
public typealias BoardDevice<Sensor: DeviceSensor> = Device<SoftwareCrypto<HMACDRBG>, Sensor>

/// The application a board image runs, over the board's flash.
public typealias BoardApplication<Flash: FlashPageStore> =
    DeviceApplication<SoftwareCrypto<HMACDRBG>, WaveformSensor<HMACDRBG>, Flash>

/// One turn of a board's main loop: a frame payload in (possibly empty), the next one out.
@inline(never)
func boardApplicationTurn(_ application: inout BoardApplication<RAMFlashPageStore>, received: Span<UInt8>,
                          now: UInt64, output: inout MutableSpan<UInt8>) -> DevicePoll {
    if !received.isEmpty { application.receive(received, nowMilliseconds: now) }
    return application.poll(nowMilliseconds: now, into: &output)
}

/// Start-up and factory state: a board builds its application once.
@inline(never)
func boardApplication(crypto: consuming SoftwareCrypto<HMACDRBG>, noise: consuming HMACDRBG,
                      now: UInt64) -> BoardApplication<RAMFlashPageStore> {
    BoardApplication(crypto: crypto, sensor: WaveformSensor(noise: noise), flash: RAMFlashPageStore(),
                     firmwareVersion: "rampart", nowMilliseconds: now)
}
#endif

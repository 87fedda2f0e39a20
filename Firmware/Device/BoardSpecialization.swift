#if RAMPART_FIRMWARE
import RampartCrypto
import RampartProtocol

// The device as a board runs it: `SoftwareCrypto` over an HMAC-DRBG. Embedded Swift checks
// generic code only where it is specialized, so without a concrete use in this module a
// firmware build of it would compile nothing of the state machine. This specialization
// makes `swift build --target RampartDevice` for a board (and `make no-allocations`' aarch64
// build with `-no-allocations`) hold the whole device to Embedded Swift's rules.

/// A device on a board, with its sensor.
public typealias BoardDevice<Sensor: DeviceSensor> = Device<SoftwareCrypto<HMACDRBG>, Sensor>

/// A sensor that reads zero: the specialization below needs one; boards bring their own.
struct ZeroSensor: DeviceSensor {
    func sampleQ16(nowMilliseconds: UInt64) -> Int32 { 0 }
}

/// One turn of a board's main loop: a datagram in (possibly empty), the next one out.
@inline(never)
func boardDeviceTurn(_ device: inout BoardDevice<ZeroSensor>, received: Span<UInt8>, now: UInt64,
                     output: inout MutableSpan<UInt8>) -> DevicePoll {
    if !received.isEmpty { device.receive(received, nowMilliseconds: now) }
    return device.poll(nowMilliseconds: now, into: &output)
}
#endif

import Testing
@testable import RampartDevice
import RampartProtocol

/// The integer timer arithmetic the device uses in place of division.
@Suite("Device: back-off and timer arithmetic")
struct BackOffTests {
    @Test("waits stay in [d/2, d] with d doubling up to the cap")
    func bounds() {
        let policy = BackOffPolicy(baseMilliseconds: 1000, capMilliseconds: 60_000)
        #expect((0..<8).map { policy.ceilingMilliseconds(attempt: $0) }
                == [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
        for attempt: UInt32 in [0, 1, 5, 6, 40, UInt32.max] {
            let ceiling = policy.ceilingMilliseconds(attempt: attempt)
            for random: UInt32 in [0, 1, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678] {
                let wait = policy.delayMilliseconds(attempt: attempt, random: random)
                #expect(wait >= ceiling / 2 && wait <= ceiling)
            }
        }
        // The jitter spans the range: the extremes of the random input reach its ends.
        #expect(policy.delayMilliseconds(attempt: 0, random: 0) == 500)
        #expect(policy.delayMilliseconds(attempt: 0, random: 0xFFFF_FFFF) == 1000)
    }

    @Test("division by shift and subtract matches the hardware divide")
    func divide() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for divisor: UInt64 in [1, 3, 7, 1000, 65_536, 1_000_003, UInt64.max] {
            for _ in 0..<50 {
                x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                #expect(DeviceArithmetic.divide(x, by: divisor) == x / divisor)
            }
        }
        #expect(DeviceArithmetic.divide(5, by: 0) == 0)
        #expect(DeviceArithmetic.scale(0xFFFF_FFFF, below: 24) == 23)
        #expect(DeviceArithmetic.scale(0, below: 24) == 0)
        #expect(DeviceArithmetic.adding(UInt64.max - 1, 5) == UInt64.max)
    }
}

@Suite("Device: memory")
struct DeviceMemoryTests {
    @Test("the whole device state, buffers included, stays small (RAM budget for the boards)")
    func size() {
        let bytes = MemoryLayout<TestDevice>.size
        // 1500 bytes on the host when written: two OSCORE contexts (the session's and one
        // waiting for message_3's 2.04), the EDHOC state, both credentials, the datagram.
        #expect(bytes <= 2048)
    }
}

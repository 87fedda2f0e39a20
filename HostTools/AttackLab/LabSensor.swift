import RampartDevice

/// A lab device's sensor: a slow triangle wave (15–25 °C over ten minutes, each device out of
/// phase) with a little deterministic noise; during `spoofing` (milliseconds), a compromised
/// device's readings instead — values anywhere in 35–95 °C, as a device lying about a fire
/// or hiding a failure would send. Integer arithmetic, like the boards'.
struct LabSensor: DeviceSensor {
    static let periodMilliseconds: UInt64 = 600_000
    let phaseMilliseconds: UInt64
    let spoofing: Range<UInt64>
    private var noise: UInt64

    init(deviceIndex: Int, seed: UInt64, spoofing: Range<UInt64> = 0..<0) {
        phaseMilliseconds = UInt64(truncatingIfNeeded: deviceIndex &* 7_919) % Self.periodMilliseconds
        self.spoofing = spoofing
        noise = seed ^ (UInt64(truncatingIfNeeded: deviceIndex) &* 0x9E37_79B9_7F4A_7C15)
    }

    mutating func sampleQ16(nowMilliseconds: UInt64) -> Int32 {
        noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let jitter = Int64(noise >> 48) - 32_768          // ±0.5 °C in Q16
        if spoofing.contains(nowMilliseconds) {
            return Int32((35 << 16) + Int64(noise >> 40) % (60 << 16))
        }
        let half = Self.periodMilliseconds / 2
        let t = (nowMilliseconds &+ phaseMilliseconds) % Self.periodMilliseconds
        let rising = t < half ? t : Self.periodMilliseconds - t
        return Int32((15 << 16) + (10 << 16) * Int64(rising) / Int64(half) + jitter)
    }
}

import RampartDevice

/// A simulated device's sensor: a triangle wave between 15 and 25 (Q16.16) with a period of
/// one minute, each device a little out of phase with the next. Integer arithmetic, like
/// the boards'; issue 5's board sensor adds noise and smoothing.
struct SimulatedSensor: DeviceSensor {
    static let periodMilliseconds: UInt64 = 60_000
    static let lowQ16: Int64 = 15 << 16
    static let swingQ16: Int64 = 10 << 16

    /// Where in the period this device starts.
    let phaseMilliseconds: UInt64

    init(deviceIndex: Int) {
        phaseMilliseconds = UInt64(deviceIndex &* 1_733) % Self.periodMilliseconds
    }

    func sampleQ16(nowMilliseconds: UInt64) -> Int32 {
        let half = Self.periodMilliseconds / 2
        let t = (nowMilliseconds &+ phaseMilliseconds) % Self.periodMilliseconds
        let rising = t < half ? t : Self.periodMilliseconds - t
        return Int32(Self.lowQ16 + Self.swingQ16 * Int64(rising) / Int64(half))
    }
}

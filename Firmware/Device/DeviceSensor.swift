/// Where telemetry values come from. Generic, not an existential: each board and the
/// simulator plug in their own (issue 5: a waveform with DRBG noise, calibrated to Q16.16
/// and smoothed with an EWMA, all fixed point).
public protocol DeviceSensor {
    /// The calibrated value at `nowMilliseconds`, in Q16.16 (value × 65 536).
    mutating func sampleQ16(nowMilliseconds: UInt64) -> Int32
}

import RampartCrypto

/// A temperature sensor for the boards and the simulator, which have none: a slow,
/// deterministic waveform in raw 12-bit ADC counts plus noise, calibrated to °C in Q16.16 and
/// smoothed with an EWMA — the signal chain of a real thermistor input, in integers only.
///
///     raw   = clamp(center + amplitude × wave(t) + noise, 0 … 4095)     (ADC counts)
///     value = raw × gain + offset                                          (Q16.16 °C)
///     EWMA  ← EWMA + (value − EWMA) >> smoothingShift
///
/// `wave` is a parabolic approximation of a sine (each half period 4x(1 − x), within 5.6 %
/// of sin), so readings rise and fall smoothly; the noise is triangular (the sum of two
/// uniform bytes). The defaults give 16–28 °C ± 0.5 °C of noise.
///
/// The ADC is sampled on a fixed grid (every 2^`sampleIntervalLog2Milliseconds` ms) however
/// often the device reads, so the smoothing's time constant is in seconds, not readings: a
/// read catches up on the samples since the last one (at most `maxCatchUpSamples`; older
/// ones would have decayed to under 12 % of the average anyway). Periods are powers of two
/// so that phases come from masks and shifts: the boards have no divide instruction.
///
/// Give it its own random source, seeded by the board: never a copy of the crypto
/// provider's DRBG — the noise goes out in telemetry, and a shared stream would both
/// repeat and expose the bytes keys are made from.
public struct WaveformSensor<Random: RandomSource>: DeviceSensor {
    /// The signal chain's constants.
    public struct Parameters: Sendable, Equatable {
        /// The waveform's middle, in ADC counts.
        public var centerCounts: Int32
        /// Its peak deviation from the middle, in counts.
        public var amplitudeCounts: Int32
        /// The noise's peak, in counts (0: none).
        public var noiseAmplitudeCounts: Int32
        /// °C per count, Q16.16.
        public var gainQ16: Int32
        /// °C at 0 counts, Q16.16.
        public var offsetQ16: Int32
        /// The waveform's period is 2^this ms (16: 65.5 s).
        public var periodLog2Milliseconds: UInt8
        /// The ADC is sampled every 2^this ms (10: 1.024 s).
        public var sampleIntervalLog2Milliseconds: UInt8
        /// The EWMA's weight is 2^-this (3: 1/8; 0: no smoothing).
        public var smoothingShift: UInt8

        /// 1800 ± 300 counts at 0.02 °C per count from −14 °C: 16–28 °C, noise ± 24 counts
        /// (± 0.48 °C), an 8-sample (≈ 8 s) smoothing.
        public init(centerCounts: Int32 = 1800, amplitudeCounts: Int32 = 300, noiseAmplitudeCounts: Int32 = 24,
                    gainQ16: Int32 = 1311, offsetQ16: Int32 = -14 * 65_536, periodLog2Milliseconds: UInt8 = 16,
                    sampleIntervalLog2Milliseconds: UInt8 = 10, smoothingShift: UInt8 = 3) {
            self.centerCounts = centerCounts
            self.amplitudeCounts = amplitudeCounts
            self.noiseAmplitudeCounts = max(0, min(noiseAmplitudeCounts, 2048))
            self.gainQ16 = gainQ16
            self.offsetQ16 = offsetQ16
            self.periodLog2Milliseconds = min(max(periodLog2Milliseconds, 1), 40)
            self.sampleIntervalLog2Milliseconds = min(sampleIntervalLog2Milliseconds, 30)
            self.smoothingShift = min(smoothingShift, 16)
        }
    }

    /// The largest raw value of a 12-bit ADC.
    public static var maxRawCounts: Int32 { 4095 }
    /// Samples one read catches up on at most.
    public static var maxCatchUpSamples: UInt64 { 16 }

    public let parameters: Parameters
    var random: Random
    var smoothedQ16: Int32 = 0
    /// The index of the last sample taken (time = index << sampleIntervalLog2Milliseconds).
    var lastSampleIndex: UInt64 = 0
    var hasSample = false

    /// A sensor whose noise comes from `noise` (its own random source, see above).
    public init(noise: consuming Random, parameters: Parameters = Parameters()) {
        self.random = noise
        self.parameters = parameters
    }

    /// The smoothed, calibrated value at `nowMilliseconds` (Q16.16 °C).
    public mutating func sampleQ16(nowMilliseconds: UInt64) -> Int32 {
        let shift = UInt64(parameters.sampleIntervalLog2Milliseconds)
        let last = nowMilliseconds &>> shift
        var first = hasSample ? lastSampleIndex &+ 1 : last
        guard first <= last else { return smoothedQ16 }
        if last &- first >= Self.maxCatchUpSamples { first = last &- (Self.maxCatchUpSamples &- 1) }
        var noise = InlineArray<32, UInt8>(repeating: 0)
        do {
            var span = noise.mutableSpan
            random.fill(&span)
        }
        var index = first
        var n = 0
        while index <= last {
            let raw = rawCounts(atMilliseconds: index &<< shift, noise: (noise[2 &* n], noise[2 &* n &+ 1]))
            let value = calibratedQ16(rawCounts: raw)
            if hasSample {
                smoothedQ16 = smoothedQ16 &+ ((value &- smoothedQ16) &>> Int32(parameters.smoothingShift))
            } else {
                smoothedQ16 = value
                hasSample = true
            }
            index &+= 1
            n &+= 1
        }
        lastSampleIndex = last
        return smoothedQ16
    }

    /// The ADC reading at `milliseconds` with the noise of two random bytes, clamped to 12 bits.
    func rawCounts(atMilliseconds milliseconds: UInt64, noise: (UInt8, UInt8)) -> Int32 {
        // (a + b − 255) is triangular on −255…255; scaled to ± noiseAmplitudeCounts.
        let triangular = Int32(noise.0) &+ Int32(noise.1) &- 255
        let offset = (triangular &* parameters.noiseAmplitudeCounts) &>> 8
        return min(max(waveCounts(atMilliseconds: milliseconds) &+ offset, 0), Self.maxRawCounts)
    }

    /// The noiseless waveform at `milliseconds`, in counts.
    public func waveCounts(atMilliseconds milliseconds: UInt64) -> Int32 {
        parameters.centerCounts &+ Int32(truncatingIfNeeded: (Int64(parameters.amplitudeCounts)
            &* Int64(Self.parabolicSineQ16(phaseQ16: phaseQ16(atMilliseconds: milliseconds)))) &>> 16)
    }

    /// `raw` × gain + offset, Q16.16.
    public func calibratedQ16(rawCounts raw: Int32) -> Int32 {
        raw &* parameters.gainQ16 &+ parameters.offsetQ16
    }

    /// Where `milliseconds` falls in the period, as a fraction in Q16 (0 … 65 535).
    func phaseQ16(atMilliseconds milliseconds: UInt64) -> UInt32 {
        let periodLog2 = UInt64(parameters.periodLog2Milliseconds)
        let withinPeriod = milliseconds & ((1 &<< periodLog2) &- 1)
        let phase = periodLog2 >= 16 ? withinPeriod &>> (periodLog2 &- 16) : withinPeriod &<< (16 &- periodLog2)
        return UInt32(truncatingIfNeeded: phase)
    }

    /// sin(2π × phase) ≈ ±4x(1 − x) on each half period (x the position in the half), Q16:
    /// −65 536 … 65 536.
    static func parabolicSineQ16(phaseQ16: UInt32) -> Int32 {
        let x = Int64((phaseQ16 & 0x7FFF) &<< 1)          // Q16 position within the half period
        let y = Int32(truncatingIfNeeded: (4 &* x &* (65_536 &- x)) &>> 16)
        return phaseQ16 & 0x8000 == 0 ? y : 0 &- y
    }
}

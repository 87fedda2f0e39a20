import Testing
import RampartCrypto
import RampartDevice

@Suite("Device: waveform sensor")
struct WaveformSensorTests {
    typealias Sensor = WaveformSensor<HMACDRBG>

    static func drbg(_ seed: UInt8) -> HMACDRBG {
        HMACDRBG(entropy: [UInt8](repeating: seed, count: 32).span, nonce: [UInt8]().span,
                 personalization: Array("sensor".utf8).span)
    }

    static func readings(_ sensor: inout Sensor, every interval: UInt64, count: Int, from start: UInt64 = 0) -> [Int32] {
        (0..<count).map { sensor.sampleQ16(nowMilliseconds: start + UInt64($0) * interval) }
    }

    @Test("the waveform: center at phase 0, peaks a quarter period away; the calibration")
    func waveform() {
        let sensor = Sensor(noise: Self.drbg(1))
        #expect(sensor.waveCounts(atMilliseconds: 0) == 1800)
        #expect(sensor.waveCounts(atMilliseconds: 16_384) == 2100)
        #expect(sensor.waveCounts(atMilliseconds: 32_768) == 1800)
        #expect(sensor.waveCounts(atMilliseconds: 49_152) == 1500)
        #expect(sensor.waveCounts(atMilliseconds: 65_536) == 1800)
        // Close to a sine: at 1/12 of the period sin = 0.5, the parabola gives 0.556.
        let twelfth = sensor.waveCounts(atMilliseconds: 65_536 / 12)
        #expect(twelfth >= 1800 + 150 && twelfth <= 1800 + 170)
        // 1800 counts × 0.02 °C − 14 °C = 22 °C (gain 1311/65536 ≈ 0.020004).
        let value = sensor.calibratedQ16(rawCounts: 1800)
        #expect(abs(value - 22 * 65_536) < 65_536 / 100)
    }

    @Test("readings stay within 15–30 °C, whatever the reading interval", arguments: [100, 1000, 10_000, 90_000] as [UInt64])
    func plausibleBand(interval: UInt64) {
        for seed: UInt8 in 1...4 {
            var sensor = Sensor(noise: Self.drbg(seed))
            let values = Self.readings(&sensor, every: interval, count: 400)
            #expect(values.allSatisfy { $0 >= 15 * 65_536 && $0 <= 30 * 65_536 })
            // And they do move: over 400 readings they span several degrees.
            if interval >= 1000 { #expect(values.max()! - values.min()! > 8 * 65_536) }
        }
    }

    @Test("smoothing reduces the noise's spread")
    func smoothing() {
        func sensor(noise: Int32, shift: UInt8) -> Sensor {
            Sensor(noise: Self.drbg(9), parameters: .init(noiseAmplitudeCounts: noise, smoothingShift: shift))
        }
        // The noise alone: each noisy sensor minus the same chain without noise.
        var noisySmoothed = sensor(noise: 24, shift: 3)
        var cleanSmoothed = sensor(noise: 0, shift: 3)
        var noisyRaw = sensor(noise: 24, shift: 0)
        var cleanRaw = sensor(noise: 0, shift: 0)
        func meanSquare(_ a: [Int32], _ b: [Int32]) -> Double {
            zip(a, b).dropFirst(20).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(a.count - 20)
        }
        let smoothedSpread = meanSquare(Self.readings(&noisySmoothed, every: 1024, count: 500),
                                        Self.readings(&cleanSmoothed, every: 1024, count: 500))
        let rawSpread = meanSquare(Self.readings(&noisyRaw, every: 1024, count: 500),
                                   Self.readings(&cleanRaw, every: 1024, count: 500))
        #expect(rawSpread > 0)
        // An EWMA of weight 1/8 keeps α / (2 − α) = 1/15 of white noise's variance.
        #expect(smoothedSpread < rawSpread / 6)
    }

    @Test("a seed gives one sequence; another seed another")
    func determinism() {
        var a = Sensor(noise: Self.drbg(5))
        var b = Sensor(noise: Self.drbg(5))
        var c = Sensor(noise: Self.drbg(6))
        let times: [UInt64] = [0, 700, 10_000, 10_001, 25_000, 200_000, 200_500]
        let first = times.map { a.sampleQ16(nowMilliseconds: $0) }
        let second = times.map { b.sampleQ16(nowMilliseconds: $0) }
        let third = times.map { c.sampleQ16(nowMilliseconds: $0) }
        #expect(first == second)
        #expect(first != third)
        // Time going backwards (or standing still) gives the last value again, no new sample.
        #expect(a.sampleQ16(nowMilliseconds: 100) == first.last)
    }
}

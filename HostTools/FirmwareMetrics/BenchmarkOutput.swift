/// What the firmware benchmark image prints, interpreted (see Firmware/Images/Bench/main.swift):
///
///     bench board=mps2-an386 ns_per_tick=40/1
///     bench x25519 ticks=4894451 reps=1 stack=1136
///     bench value suite2_message1_bytes=39
///     bench stack_peak=1136 static_ram=276
///     bench done
///
/// Under `qemu -icount shift=N` one instruction takes 2^N ns of virtual time, so
/// instructions per rep = ticks × ns_per_tick / 2^N / reps (DESIGN.md §3). `bench value`
/// lines carry figures that are not timed (sizes, whether a result matched its vector).
public struct BenchmarkOutput: Sendable, Equatable {
    public struct Measurement: Sendable, Equatable {
        public let name: String
        public let ticks: UInt64
        public let reps: UInt64
        public let stackBytes: UInt64
    }

    public let board: String
    /// Nanoseconds per timer tick as a fraction (numerator, denominator).
    public let nanosecondsPerTick: (UInt64, UInt64)
    public let measurements: [Measurement]
    public let stackPeakBytes: UInt64
    public let staticRAMBytes: UInt64
    /// The `bench value <name>=<n>` figures, by name.
    public let values: [String: UInt64]

    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        case missingHeader
        case malformedLine(String)
        case incomplete(lastLine: String)

        public var description: String {
            switch self {
            case .missingHeader: "the benchmark output has no `bench board=… ns_per_tick=…` line"
            case let .malformedLine(line): "cannot read benchmark line: \(line)"
            case let .incomplete(lastLine): "the benchmark stopped before `bench done` (last line: \(lastLine))"
            }
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.board == b.board && a.nanosecondsPerTick == b.nanosecondsPerTick && a.measurements == b.measurements
            && a.stackPeakBytes == b.stackPeakBytes && a.staticRAMBytes == b.staticRAMBytes && a.values == b.values
    }

    public init(parsing text: String) throws(Error) {
        var board: String?
        var perTick: (UInt64, UInt64) = (0, 1)
        var measurements: [Measurement] = []
        var stackPeak: UInt64 = 0
        var staticRAM: UInt64 = 0
        var values: [String: UInt64] = [:]
        var done = false
        var lastLine = ""
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = String(rawLine)
            guard line.hasPrefix("bench ") else { continue }
            lastLine = line
            let words = line.split(separator: " ").dropFirst()
            guard let first = words.first else { throw .malformedLine(line) }
            var fields: [String: String] = [:]
            for word in words {
                let parts = word.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            if first == "done" {
                done = true
            } else if first == "value" {
                guard words.count == 2, fields.count == 1, let (name, raw) = fields.first, let value = UInt64(raw) else {
                    throw .malformedLine(line)
                }
                values[name] = value
            } else if let name = fields["board"], let tick = fields["ns_per_tick"] {
                let fraction = tick.split(separator: "/")
                guard fraction.count == 2, let n = UInt64(fraction[0]), let d = UInt64(fraction[1]), d > 0 else {
                    throw .malformedLine(line)
                }
                board = name
                perTick = (n, d)
            } else if let peak = fields["stack_peak"], let ram = fields["static_ram"] {
                guard let p = UInt64(peak), let r = UInt64(ram) else { throw .malformedLine(line) }
                stackPeak = p
                staticRAM = r
            } else {
                guard let ticks = fields["ticks"].flatMap(UInt64.init), let reps = fields["reps"].flatMap(UInt64.init),
                      let stack = fields["stack"].flatMap(UInt64.init), reps > 0 else {
                    throw .malformedLine(line)
                }
                measurements.append(Measurement(name: String(first), ticks: ticks, reps: reps, stackBytes: stack))
            }
        }
        guard let board else { throw .missingHeader }
        guard done else { throw .incomplete(lastLine: lastLine) }
        self.board = board
        self.nanosecondsPerTick = perTick
        self.measurements = measurements
        self.stackPeakBytes = stackPeak
        self.staticRAMBytes = staticRAM
        self.values = values
    }

    /// Instructions per rep of `name` under `-icount shift=<icountShift>`, rounded to nearest.
    public func instructions(_ name: String, icountShift: UInt64 = 7) -> UInt64? {
        guard let m = measurements.first(where: { $0.name == name }) else { return nil }
        let numerator = m.ticks * nanosecondsPerTick.0
        let denominator = nanosecondsPerTick.1 * (1 << icountShift) * m.reps
        return (numerator + denominator / 2) / denominator
    }

    /// Instructions of several single-rep measurements together (the steps of one handshake),
    /// converted once from their summed ticks; nil if any is missing or has more than one rep.
    public func instructions(summing names: [String], icountShift: UInt64 = 7) -> UInt64? {
        var ticks: UInt64 = 0
        for name in names {
            guard let m = measurements.first(where: { $0.name == name }), m.reps == 1 else { return nil }
            ticks += m.ticks
        }
        let denominator = nanosecondsPerTick.1 * (1 << icountShift)
        return (ticks * nanosecondsPerTick.0 + denominator / 2) / denominator
    }

    /// The largest stack figure among `names`; nil if any is missing.
    public func stackBytes(max names: [String]) -> UInt64? {
        var peak: UInt64 = 0
        for name in names {
            guard let m = measurements.first(where: { $0.name == name }) else { return nil }
            peak = Swift.max(peak, m.stackBytes)
        }
        return peak
    }
}

#if RAMPART_FIRMWARE
import BoardRuntime
import RampartDevice
import RampartPlatform

/// What `make bench-firmware` reads from the log once the first telemetry reading is
/// acknowledged: the timer ticks the core spent awake since reset (under QEMU `-icount
/// shift=7` every instruction takes 128 ns of virtual time, so instructions = awake ticks ×
/// ns per tick / 128), the peak stack by painting, and the static RAM.
struct BootMeasurement {
    /// Ticks spent in `Board.sleep`, subtracted from the ticks since reset.
    var sleptTicks: UInt64 = 0
    private var reported = false

    mutating func check<Crypto, Sensor, Flash, Clock: MonotonicClock, Log: Console>(
        _ application: inout DeviceApplication<Crypto, Sensor, Flash>, clock: inout Clock, log: inout Log) {
        guard !reported, application.counters.telemetryAcknowledged > 0 else { return }
        reported = true
        let (numerator, denominator) = Clock.nanosecondsPerTick
        log.write("rampart: measured boot-to-telemetry awake_ticks=")
        log.write(decimal: clock.nowTicks() &- sleptTicks)
        log.write(" ns_per_tick=")
        log.write(decimal: UInt64(numerator))
        log.write("/")
        log.write(decimal: UInt64(denominator))
        log.write(" stack_peak_bytes=")
        log.write(decimal: UInt64(rampart_stack_peak_bytes()))
        log.write(" static_ram_bytes=")
        log.write(decimal: UInt64(rampart_static_ram_bytes()))
        log.write("\n")
    }
}
#endif

/// Finds boards among the machine's serial ports through libudev: every device of the "tty"
/// subsystem with a device node, kept when a `SerialDeviceSelection` matches it.
public enum SerialDeviceDiscovery {
    /// The udev subsystem of serial ports (USB CDC-ACM, USB-serial bridges, UARTs).
    public static let subsystem = "tty"

    /// What one scan found.
    public struct Scan: Sendable {
        /// Every tty with a node.
        public var all: [SerialDevice]
        /// The ones the selection matched, in the order udev listed them.
        public var matching: [SerialDevice]

        /// The ports worth naming to someone whose filter found nothing: those on a bus
        /// (not virtual consoles or ptys).
        public var seenOnBuses: [SerialDevice] { all.filter { !$0.isVirtual } }
    }

    /// Enumerates now.
    public static func scan(selection: SerialDeviceSelection) throws(ProvisioningError) -> Scan {
        let udev = try Udev()
        let all = try udev.devices(subsystem: subsystem)
        return Scan(all: all, matching: all.filter { selection.matches($0) })
    }
}

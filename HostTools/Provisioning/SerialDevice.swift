/// A serial device as udev saw it at one moment: its node, its sysfs path and its udev
/// properties. A plain value, so it can leave the thread that owns the libudev handles.
public struct SerialDevice: Sendable, Equatable {
    /// udev property names (systemd's `usb_id` builtin, run by 60-serial.rules).
    public static let vendorIDKey = "ID_VENDOR_ID"
    public static let productIDKey = "ID_MODEL_ID"
    public static let serialKey = "ID_SERIAL_SHORT"
    public static let modelKey = "ID_MODEL"

    /// The device node, e.g. /dev/ttyACM0.
    public var devnode: String
    /// The device's path in /sys, e.g. /sys/devices/pci0000:00/…/tty/ttyACM0.
    public var syspath: String
    /// Every udev property (KEY → value); for a USB CDC port also ID_VENDOR_ID, ID_MODEL_ID and
    /// ID_SERIAL_SHORT, taken from sysfs when udevd did not provide them.
    public var properties: [String: String]

    public init(devnode: String, syspath: String, properties: [String: String]) {
        self.devnode = devnode
        self.syspath = syspath
        self.properties = properties
    }

    /// The USB vendor id, four lower-case hex digits, if the port sits on USB.
    public var vendorID: String? { properties[Self.vendorIDKey]?.lowercased() }
    public var productID: String? { properties[Self.productIDKey]?.lowercased() }
    public var serialNumber: String? { properties[Self.serialKey] }

    /// Whether the kernel made this tty up (virtual consoles, ptys: /sys/devices/virtual/…)
    /// rather than found it on a bus: never a board, so left out of "what was seen" lists.
    public var isVirtual: Bool { syspath.contains("/devices/virtual/") }

    /// One line for people: "/dev/ttyACM0 (usb 1366:1015, J-Link, serial 000683…)".
    public var summary: String {
        var details: [String] = []
        if let vendorID { details.append("usb \(vendorID):\(productID ?? "????")") }
        if let model = properties[Self.modelKey], !model.isEmpty { details.append(model) }
        if let serialNumber, !serialNumber.isEmpty { details.append("serial \(serialNumber)") }
        if let board = KnownBoard.matching(self) { details.append("looks like \(board.description)") }
        return details.isEmpty ? devnode : "\(devnode) (\(details.joined(separator: ", ")))"
    }
}

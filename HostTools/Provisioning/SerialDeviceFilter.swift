/// Which serial devices are boards to provision: a USB vendor id (with or without a product
/// id) or a udev property with a value. Pure: matching looks at a property set and nothing
/// else, so it is tested with made-up sets and behaves the same on every machine.
public enum SerialDeviceFilter: Sendable, Equatable, CustomStringConvertible {
    /// ID_VENDOR_ID equals `vendorID` and, unless nil, ID_MODEL_ID equals `productID`
    /// (four hex digits each, compared case-insensitively).
    case usb(vendorID: String, productID: String?)
    /// The udev property `key` has exactly `value` (e.g. RAMPART_BOARD=1, set by
    /// deploy/99-rampart.rules).
    case property(key: String, value: String)

    /// Parses `VID:PID`, `VID:*` or `VID` (hex, as lsusb prints them: `1366:1015`).
    public init?(usb text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), Self.isUSBID(parts[0]) else { return nil }
        if parts.count == 1 || parts[1] == "*" {
            self = .usb(vendorID: parts[0].lowercased(), productID: nil)
        } else {
            guard Self.isUSBID(parts[1]) else { return nil }
            self = .usb(vendorID: parts[0].lowercased(), productID: parts[1].lowercased())
        }
    }

    /// Parses `KEY=VALUE` (the value may be empty; the key may not, nor contain '=').
    public init?(property text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let key = String(text[..<equals])
        guard !key.isEmpty, !key.contains(where: { $0.isWhitespace }) else { return nil }
        self = .property(key: key, value: String(text[text.index(after: equals)...]))
    }

    /// A USB id as udev writes it: exactly four hex digits.
    static func isUSBID(_ text: String) -> Bool {
        text.count == 4 && text.allSatisfy(\.isHexDigit)
    }

    public func matches(_ properties: [String: String]) -> Bool {
        switch self {
        case .usb(let vendorID, let productID):
            guard properties[SerialDevice.vendorIDKey]?.lowercased() == vendorID else { return false }
            guard let productID else { return true }
            return properties[SerialDevice.productIDKey]?.lowercased() == productID
        case .property(let key, let value):
            return properties[key] == value
        }
    }

    public var description: String {
        switch self {
        case .usb(let vendorID, let productID): "--usb \(vendorID):\(productID ?? "*")"
        case .property(let key, let value): "--property \(key)=\(value)"
        }
    }
}

/// A set of filters: a device is selected when any of them matches.
public struct SerialDeviceSelection: Sendable, Equatable, CustomStringConvertible {
    public var filters: [SerialDeviceFilter]

    public init(filters: [SerialDeviceFilter]) {
        self.filters = filters
    }

    /// Without flags: the dev boards Rampart knows (`KnownBoard.all`) and any port
    /// deploy/99-rampart.rules marked with RAMPART_BOARD=1.
    public static let `default` = SerialDeviceSelection(
        filters: KnownBoard.all.map(\.filter) + [.property(key: KnownBoard.markerProperty, value: "1")])

    public func matches(_ properties: [String: String]) -> Bool {
        filters.contains { $0.matches(properties) }
    }

    public func matches(_ device: SerialDevice) -> Bool { matches(device.properties) }

    public var description: String { filters.map(\.description).joined(separator: " or ") }
}

/// The development boards Rampart runs on whose USB serial bridge it recognises. Each
/// board's debug probe presents the target's UART as a USB CDC-ACM port (/dev/ttyACMn).
public struct KnownBoard: Sendable, Equatable {
    /// A short name, used in the udev symlink /dev/rampart/<name>-<serial>.
    public var name: String
    public var description: String
    public var filter: SerialDeviceFilter

    /// The udev property deploy/99-rampart.rules sets on every board port it recognises.
    public static let markerProperty = "RAMPART_BOARD"

    /// Nordic nRF52840-DK: the on-board SEGGER J-Link OB. SEGGER's vendor id 0x1366 covers all
    /// its probes, and the product id changes with the J-Link's USB configuration (0x1015
    /// with mass storage, 0x1051 without, 0x1061 with two VCOMs …), so any product matches.
    public static let nrf52840DK = KnownBoard(name: "nrf52840-dk", description: "nRF52840-DK (SEGGER J-Link CDC)",
                                              filter: .usb(vendorID: "1366", productID: nil))
    /// BBC micro:bit (v1 and v2): the ARM mbed DAPLink interface firmware, 0d28:0204.
    public static let microbit = KnownBoard(name: "microbit", description: "BBC micro:bit (ARM mbed DAPLink)",
                                            filter: .usb(vendorID: "0d28", productID: "0204"))

    public static let all: [KnownBoard] = [nrf52840DK, microbit]

    /// The known board `device` looks like, if any.
    public static func matching(_ device: SerialDevice) -> KnownBoard? {
        all.first { $0.filter.matches(device.properties) }
    }
}

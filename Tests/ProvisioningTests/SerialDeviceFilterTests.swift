import Testing
@testable import RampartProvisioning

/// Board selection as a pure function of udev properties, on made-up property sets.
@Suite("Provisioning: serial device filters")
struct SerialDeviceFilterTests {
    /// What udev reports for an nRF52840-DK's J-Link VCOM (60-serial.rules, usb_id).
    static let jLink: [String: String] = [
        "DEVNAME": "/dev/ttyACM0", "SUBSYSTEM": "tty", "ID_BUS": "usb", "ID_VENDOR_ID": "1366",
        "ID_MODEL_ID": "1015", "ID_SERIAL_SHORT": "000683123456", "ID_MODEL": "J-Link",
    ]
    /// A micro:bit's DAPLink, with the marker property of deploy/99-rampart.rules.
    static let microbit: [String: String] = [
        "DEVNAME": "/dev/ttyACM1", "ID_VENDOR_ID": "0d28", "ID_MODEL_ID": "0204",
        "ID_SERIAL_SHORT": "9904360258994e45", "RAMPART_BOARD": "1",
    ]
    /// An FTDI USB-serial cable: not a board Rampart knows.
    static let ftdi: [String: String] = ["DEVNAME": "/dev/ttyUSB0", "ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6001"]
    /// A UART on the mainboard: no USB ids at all.
    static let uart: [String: String] = ["DEVNAME": "/dev/ttyS0", "SUBSYSTEM": "tty"]

    @Test("--usb parses VID:PID, VID:* and VID; rejects anything else")
    func parseUSB() {
        #expect(SerialDeviceFilter(usb: "1366:1015") == .usb(vendorID: "1366", productID: "1015"))
        #expect(SerialDeviceFilter(usb: "0D28:0204") == .usb(vendorID: "0d28", productID: "0204"))
        #expect(SerialDeviceFilter(usb: "1366:*") == .usb(vendorID: "1366", productID: nil))
        #expect(SerialDeviceFilter(usb: "1366") == .usb(vendorID: "1366", productID: nil))
        for bad in ["", "136", "13661", "1366:", "xyzw:0204", "1366:1015:1", ":1015", "1366:10g5"] {
            #expect(SerialDeviceFilter(usb: bad) == nil, "\(bad)")
        }
    }

    @Test("--property parses KEY=VALUE; the value may be empty or contain '='")
    func parseProperty() {
        #expect(SerialDeviceFilter(property: "RAMPART_BOARD=1") == .property(key: "RAMPART_BOARD", value: "1"))
        #expect(SerialDeviceFilter(property: "ID_PATH=a=b") == .property(key: "ID_PATH", value: "a=b"))
        #expect(SerialDeviceFilter(property: "KEY=") == .property(key: "KEY", value: ""))
        for bad in ["RAMPART_BOARD", "=1", "A B=1", ""] {
            #expect(SerialDeviceFilter(property: bad) == nil, "\(bad)")
        }
    }

    @Test("vendor, product and property filters match only what they name")
    func matching() {
        let anyJLink = SerialDeviceFilter.usb(vendorID: "1366", productID: nil)
        #expect(anyJLink.matches(Self.jLink))
        #expect(!anyJLink.matches(Self.microbit))
        #expect(!anyJLink.matches(Self.uart))

        #expect(SerialDeviceFilter.usb(vendorID: "1366", productID: "1015").matches(Self.jLink))
        #expect(!SerialDeviceFilter.usb(vendorID: "1366", productID: "1051").matches(Self.jLink))
        // udev writes lower case; a property set in upper case still matches.
        #expect(SerialDeviceFilter(usb: "0d28:0204")!.matches(["ID_VENDOR_ID": "0D28", "ID_MODEL_ID": "0204"]))

        let marker = SerialDeviceFilter.property(key: "RAMPART_BOARD", value: "1")
        #expect(marker.matches(Self.microbit))
        #expect(!marker.matches(Self.jLink))
        #expect(!marker.matches(["RAMPART_BOARD": "0"]))
    }

    @Test("the default selection takes the known boards and marked ports, nothing else")
    func defaultSelection() {
        let selection = SerialDeviceSelection.default
        #expect(selection.matches(Self.jLink))
        #expect(selection.matches(Self.microbit))
        #expect(selection.matches(["ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6015", "RAMPART_BOARD": "1"]))
        #expect(!selection.matches(Self.ftdi))
        #expect(!selection.matches(Self.uart))
        // A DAPLink with another product id is not a micro:bit.
        #expect(!selection.matches(["ID_VENDOR_ID": "0d28", "ID_MODEL_ID": "0205"]))
    }

    @Test("a selection of several filters matches when any one does")
    func anyOf() {
        let selection = SerialDeviceSelection(filters: [.usb(vendorID: "0403", productID: "6001"),
                                                        .property(key: "RAMPART_BOARD", value: "1")])
        #expect(selection.matches(Self.ftdi))
        #expect(selection.matches(Self.microbit))
        #expect(!selection.matches(Self.jLink))
        #expect(!SerialDeviceSelection(filters: []).matches(Self.jLink))
    }

    @Test("a device's summary names its ids and the board it looks like")
    func summary() {
        let device = SerialDevice(devnode: "/dev/ttyACM0", syspath: "/sys/devices/pci0000:00/usb1/1-1/tty/ttyACM0",
                                  properties: Self.jLink)
        #expect(device.summary.contains("usb 1366:1015"))
        #expect(device.summary.contains("nRF52840-DK"))
        #expect(!device.isVirtual)
        #expect(SerialDevice(devnode: "/dev/tty1", syspath: "/sys/devices/virtual/tty/tty1", properties: [:]).isVirtual)
    }
}

/// libudev itself, on whatever this machine has (CI runs in a container: maybe no USB at all).
@Suite("Provisioning: udev enumeration")
struct UdevEnumerationTests {
    @Test("enumerating tty devices works and yields only device nodes under /dev")
    func enumerate() throws {
        let scan = try SerialDeviceDiscovery.scan(selection: .default)
        for device in scan.all {
            #expect(device.devnode.hasPrefix("/dev/"), "\(device.devnode)")
            #expect(device.syspath.hasPrefix("/sys/"), "\(device.syspath)")
        }
        // The matching ones are a subset, chosen by the selection.
        for device in scan.matching {
            #expect(scan.all.contains(device))
            #expect(SerialDeviceSelection.default.matches(device))
        }
    }

    @Test("a monitor on the tty subsystem opens and has nothing queued at once, or says why not")
    func monitor() {
        do {
            let monitor = try UdevMonitor(subsystem: SerialDeviceDiscovery.subsystem)
            #expect(monitor.fileDescriptor >= 0)
            // Non-blocking: returns at once (no board is plugged in during the test).
            _ = monitor.receive()
        } catch {
            // A container without netlink: the error must say it is udev's.
            #expect(error.description.hasPrefix("udev:"))
        }
    }
}

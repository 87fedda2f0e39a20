import CUdev

#if canImport(Glibc)
import Glibc
#endif

/// A libudev context (`struct udev`): the handle every enumeration and monitor hangs off.
/// Non-copyable, so the reference it holds is dropped exactly once, in `deinit`.
///
/// libudev is not thread-safe: a context and everything made from it stay on the thread
/// that made them. That is why nothing here is `Sendable`; what leaves is a `SerialDevice`,
/// a plain value.
public struct Udev: ~Copyable {
    let handle: OpaquePointer

    /// - Throws: `ProvisioningError.udev` if libudev cannot be initialised (out of memory:
    ///   libudev needs no daemon to enumerate, only /sys).
    public init() throws(ProvisioningError) {
        guard let handle = udev_new() else {
            throw .udev("udev_new failed: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    deinit { udev_unref(handle) }

    /// Every device of `subsystem` that has a device node, as snapshots, in the kernel's
    /// order (syspath order). Devices that vanish during the scan are skipped.
    public func devices(subsystem: String) throws(ProvisioningError) -> [SerialDevice] {
        guard let enumerate = udev_enumerate_new(handle) else { throw .udev("udev_enumerate_new failed") }
        defer { udev_enumerate_unref(enumerate) }
        guard udev_enumerate_add_match_subsystem(enumerate, subsystem) >= 0,
              udev_enumerate_scan_devices(enumerate) >= 0 else {
            throw .udev("cannot scan the \(subsystem) devices in /sys: \(String(cString: strerror(errno)))")
        }
        var found: [SerialDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            defer { entry = udev_list_entry_get_next(current) }
            guard let syspath = udev_list_entry_get_name(current),
                  let device = udev_device_new_from_syspath(handle, syspath) else { continue }
            defer { udev_device_unref(device) }
            if let snapshot = SerialDevice(device) { found.append(snapshot) }
        }
        return found
    }
}

/// A udev monitor on the "udev" netlink group (events after udevd has applied its rules, so
/// a board's node already has its group, mode and symlinks), filtered to one subsystem in
/// the kernel. Non-copyable; owns its monitor and its context.
public struct UdevMonitor: ~Copyable {
    let context: OpaquePointer
    let monitor: OpaquePointer

    /// A device event: the action ("add", "remove", "change", …) and the device then.
    public struct Event: Sendable {
        public var action: String
        public var device: SerialDevice
    }

    /// Starts receiving events of `subsystem`.
    ///
    /// - Throws: `ProvisioningError.udev` when netlink is unavailable (a container without
    ///   udevd sees no events even when this succeeds; the message says so elsewhere).
    public init(subsystem: String) throws(ProvisioningError) {
        guard let context = udev_new() else { throw .udev("udev_new failed") }
        guard let monitor = udev_monitor_new_from_netlink(context, "udev") else {
            udev_unref(context)
            throw .udev("cannot open the udev netlink monitor: \(String(cString: strerror(errno)))")
        }
        guard udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil) >= 0,
              udev_monitor_enable_receiving(monitor) >= 0 else {
            let reason = String(cString: strerror(errno))
            udev_monitor_unref(monitor)
            udev_unref(context)
            throw .udev("cannot start the udev monitor: \(reason)")
        }
        self.context = context
        self.monitor = monitor
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(context)
    }

    /// The monitor's socket, to `poll(2)` for readability. Owned by the monitor.
    public var fileDescriptor: Int32 { udev_monitor_get_fd(monitor) }

    /// The next queued event, or nil if none is queued (the socket is non-blocking) or the
    /// device had no node (an event for a tty class object without one).
    public func receive() -> Event? {
        guard let device = udev_monitor_receive_device(monitor) else { return nil }
        defer { udev_device_unref(device) }
        guard let action = udev_device_get_action(device), let snapshot = SerialDevice(device) else { return nil }
        return Event(action: String(cString: action), device: snapshot)
    }
}

extension SerialDevice {
    /// The USB ids and serial number, copied from the USB device above an interface when
    /// udevd has not put them in the tty's own properties (no udevd, as in a container, or
    /// rules that did not run `usb_id`): filters then match the same way everywhere.
    static let usbAttributeProperties: [(attribute: String, property: String)] = [
        ("idVendor", SerialDevice.vendorIDKey), ("idProduct", SerialDevice.productIDKey),
        ("serial", SerialDevice.serialKey), ("product", SerialDevice.modelKey),
    ]

    /// A snapshot of `device`, or nil if it has no device node.
    init?(_ device: OpaquePointer) {
        guard let node = udev_device_get_devnode(device), let syspath = udev_device_get_syspath(device) else { return nil }
        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) {
                properties[String(cString: name)] = udev_list_entry_get_value(current).map { String(cString: $0) } ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }
        // Borrowed from `device` (not referenced): no unref.
        if let usb = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device") {
            for (attribute, property) in Self.usbAttributeProperties where properties[property] == nil {
                if let value = udev_device_get_sysattr_value(usb, attribute) {
                    properties[property] = String(cString: value).trimmingWhitespace()
                }
            }
        }
        self.init(devnode: String(cString: node), syspath: String(cString: syspath), properties: properties)
    }
}

extension String {
    /// Without leading and trailing spaces and newlines (sysfs attributes end in "\n").
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}

import Synchronization

/// A `DeviceDirectory` held in memory: for tests, benchmarks and simulations that need no
/// persistence.
public final class InMemoryDeviceDirectory: DeviceRegistrar {
    private let records = Mutex<[[UInt8]: DeviceRecord]>([:])

    public init(_ devices: [DeviceRecord] = []) {
        records.withLock { table in
            for device in devices { table[device.kid] = device }
        }
    }

    /// Adds a device; throws `.duplicateDevice` if its kid is taken.
    public func add(_ device: DeviceRecord) throws {
        try records.withLock { table throws in
            guard table[device.kid] == nil else { throw DeviceDirectoryError.duplicateDevice(kid: device.kid) }
            table[device.kid] = device
        }
    }

    public func device(kid: [UInt8]) throws -> DeviceRecord? {
        records.withLock { $0[kid] }
    }

    public func setStatus(_ status: DeviceStatus, kid: [UInt8], reason: String) throws -> Bool {
        try records.withLock { table throws in
            guard var record = table[kid] else { throw DeviceDirectoryError.unknownDevice(kid: kid) }
            guard record.status != status else { return false }
            record.status = status
            table[kid] = record
            return true
        }
    }

    public var count: Int { records.withLock { $0.count } }
}

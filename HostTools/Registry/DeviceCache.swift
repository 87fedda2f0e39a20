import RampartGateway

/// The registry's in-memory copy of the rows it has served, so a handshake does not touch
/// SQLite. Held in a `Mutex` by `SQLiteDeviceRegistry`.
///
/// Two rules keep it truthful:
/// - absence is never cached (a device added by another process must be found at once);
/// - every write through the registry bumps `generation` and stores its result, under the
///   writer's lock; a reader that missed and fetched from SQLite stores its row only if no
///   write happened since it looked, so an older read never replaces a newer write.
struct DeviceCache {
    /// Most records kept; past it an arbitrary one is dropped (it is re-read on its next
    /// handshake). Bounds memory when the registry holds more devices than the gateway sees.
    let capacity: Int
    private(set) var records: [[UInt8]: DeviceRecord] = [:]
    /// Counts writes through the registry.
    private(set) var generation: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a device cache needs room for one record")
        self.capacity = capacity
    }

    /// A cached record and the generation it was looked up in.
    func lookup(_ kid: [UInt8]) -> (record: DeviceRecord?, generation: UInt64) {
        (records[kid], generation)
    }

    /// Stores a row fetched after a miss in `generation`, unless a write came since.
    mutating func fill(_ record: DeviceRecord, lookedUpIn lookupGeneration: UInt64) {
        guard lookupGeneration == generation, records[record.kid] == nil else { return }
        insert(record)
    }

    /// Records a committed write: the new row, or nil for a removed device.
    mutating func apply(kid: [UInt8], record: DeviceRecord?) {
        generation &+= 1
        if let record {
            insert(record)
        } else {
            records[kid] = nil
        }
    }

    private mutating func insert(_ record: DeviceRecord) {
        if records[record.kid] == nil, records.count >= capacity, let victim = records.keys.first {
            records[victim] = nil
        }
        records[record.kid] = record
    }

    var count: Int { records.count }
}

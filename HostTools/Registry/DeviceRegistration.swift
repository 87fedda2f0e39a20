import Foundation
import RampartGateway

/// A registry row with its bookkeeping: what `rampart devices list|show` prints.
public struct DeviceRegistration: Sendable, Equatable {
    public var record: DeviceRecord
    /// When the device was added.
    public var registeredAt: Date
    /// When its row last changed (a status change).
    public var updatedAt: Date

    public init(record: DeviceRecord, registeredAt: Date, updatedAt: Date) {
        self.record = record
        self.registeredAt = registeredAt
        self.updatedAt = updatedAt
    }
}

/// One entry of a device's status history, written in the same transaction as the change
/// itself, so the history never disagrees with the status.
public struct DeviceStatusChange: Sendable, Equatable {
    public var kid: [UInt8]
    /// The status before; nil for the registration, which sets the first status.
    public var from: DeviceStatus?
    public var to: DeviceStatus
    /// Why (the action's reason, e.g. "detector: replayed message_1"; "registered").
    public var reason: String
    public var at: Date

    public init(kid: [UInt8], from: DeviceStatus?, to: DeviceStatus, reason: String, at: Date) {
        self.kid = kid
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}

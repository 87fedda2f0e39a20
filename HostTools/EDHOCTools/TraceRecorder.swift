import RampartProtocol

/// Collects a handshake's intermediate values in the order they were computed. Both roles
/// record into one recorder; a name recorded twice (TH_2 by each side) must carry the same
/// bytes both times, or the recorder notes the disagreement.
public final class EDHOCTraceRecorder: EDHOCTrace {
    public private(set) var entries: [(name: String, value: [UInt8])] = []
    public private(set) var disagreements: [String] = []
    private var index: [String: Int] = [:]

    public init() {}

    public func record(_ name: StaticString, _ value: Span<UInt8>) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.count)
        for i in 0..<value.count { bytes.append(value[i]) }
        add(name.description, bytes)
    }

    /// Adds a value computed outside the core (exporter outputs, public keys).
    public func add(_ name: String, _ bytes: [UInt8]) {
        if let existing = index[name] {
            if entries[existing].value != bytes { disagreements.append(name) }
            return
        }
        index[name] = entries.count
        entries.append((name, bytes))
    }

    public subscript(name: String) -> [UInt8]? {
        index[name].map { entries[$0].value }
    }
}

import RampartGateway
import RampartProtocol

/// What a device record must satisfy to enter the registry: the gateway trusts its rows on
/// every handshake, so a record that could never authenticate, or that names another
/// device's kid, is refused at the door.
enum DeviceRecordValidation {
    /// Longest behaviour group name.
    static let maxGroupByteCount = 64
    /// Longest label.
    static let maxLabelByteCount = 256
    /// The suites the gateway implements.
    static let knownSuites: Set<Int32> = [EDHOCCipherSuite.suite0.rawValue, EDHOCCipherSuite.suite2.rawValue]

    /// Throws `DeviceDirectoryError.invalidRecord` saying what is wrong.
    static func check(_ record: DeviceRecord) throws(DeviceDirectoryError) {
        let identity = try CredentialIdentity(ccs: record.credential)
        guard identity.kid == record.kid else {
            throw .invalidRecord("the kid \(record.kid.hexString) is not the credential's kid \(identity.kid.hexString)")
        }
        guard !record.suites.isEmpty else { throw .invalidRecord("no cipher suite is given") }
        for suite in record.suites where !knownSuites.contains(suite) {
            throw .invalidRecord("cipher suite \(suite) is not supported (only 0 and 2)")
        }
        guard Set(record.suites).count == record.suites.count else {
            throw .invalidRecord("the suites \(record.suites) repeat one")
        }
        guard record.suites.contains(identity.suite) else {
            throw .invalidRecord("the credential's key is for suite \(identity.suite), "
                                 + "which is not among the suites \(record.suites)")
        }
        try check(record.policy)
        guard record.label.utf8.count <= maxLabelByteCount else {
            throw .invalidRecord("the label is longer than \(maxLabelByteCount) bytes")
        }
    }

    static func check(_ policy: DevicePolicy) throws(DeviceDirectoryError) {
        guard !policy.group.isEmpty, policy.group.utf8.count <= maxGroupByteCount else {
            throw .invalidRecord("the group name must have 1 to \(maxGroupByteCount) bytes")
        }
        guard policy.rekeyIntervalSeconds > 0 else { throw .invalidRecord("the re-key interval must be positive") }
        guard policy.telemetryIntervalSeconds > 0 else { throw .invalidRecord("the telemetry interval must be positive") }
    }
}

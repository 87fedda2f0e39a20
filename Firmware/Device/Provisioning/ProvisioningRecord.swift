import RampartCrypto
import RampartProtocol

/// The board's identity as it lives in flash (docs/provisioning.md, "The record in flash"):
/// its device-id, its static key pair's suite and private key, CRED_I, CRED_R and the
/// policy. One record fills one slot (`ProvisioningStore`):
///
///     magic "RPR1" · sequence (u32 LE) · length (u16 LE) · body · CRC-32 (LE) of all before it
///
/// with the body a CBOR array (deterministic, like the messages):
///
///     record-body = [device-id: bstr .size 8, suite: int, private-key: bstr .size 32,
///                    cred-i: bstr, cred-r: bstr, policy]
///
/// Non-copyable because it holds the private key: it exists once, and its owner calls
/// `destroy()` (or `wipe()`) when done with it — Swift runs a non-copyable struct's deinit on
/// an immutable value, so the wiping cannot happen there (see OSCORESecurityContext).
public struct ProvisioningRecord: ~Copyable {
    public let deviceID: DeviceIdentifier
    /// The static key's suite (CRED_I's and CRED_R's).
    public let suite: EDHOCCipherSuite
    /// I: the static private key (X25519 scalar or P-256 scalar). Never leaves the module.
    var privateKey: Bytes32
    /// CRED_I: the device's CCS, with the kid the host assigned.
    public let deviceCredential: EDHOCCredential
    /// CRED_R: the gateway's CCS for `suite`.
    public let gatewayCredential: EDHOCCredential
    public let policy: ProvisioningPolicy
    /// The slot's sequence number: set by `ProvisioningStore` when it loads or saves the record.
    public internal(set) var sequence: UInt32

    /// A record for a key pair just provisioned. Throws `.suiteMismatch` unless both
    /// credentials are for `suite`; the caller still owns (and wipes) `privateKey`'s source.
    // Not inlined: built in place in its caller's result, not in one more temporary there.
    @inline(never)
    public init(deviceID: DeviceIdentifier, suite: EDHOCCipherSuite, privateKey: Bytes32,
                deviceCredential: EDHOCCredential, gatewayCredential: EDHOCCredential,
                policy: ProvisioningPolicy, sequence: UInt32 = 0) throws(ProvisioningRecordError) {
        guard deviceCredential.suite == suite, gatewayCredential.suite == suite else { throw .suiteMismatch }
        self.deviceID = deviceID
        self.suite = suite
        self.privateKey = privateKey
        self.deviceCredential = deviceCredential
        self.gatewayCredential = gatewayCredential
        self.policy = policy
        self.sequence = sequence
    }

    /// The kid the host assigned (CRED_I's COSE_Key kid).
    public var keyID: ProvisioningKeyID {
        // A kid is at most 8 bytes, as is ProvisioningKeyID.
        (try? ProvisioningKeyID(copying: deviceCredential.keyID.span)) ?? ProvisioningKeyID()
    }

    /// The EDHOC static key (I with CRED_I) for a `Device`. Throws when the private key is
    /// not CRED_I's (a record damaged in a way its CRC did not catch).
    public func staticKey<Crypto: CryptoProvider>(crypto: borrowing Crypto) throws(EDHOCError) -> EDHOCStaticKey {
        try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: deviceCredential)
    }

    /// The public part, as `ProvisionedIdentity(record:)` without copying the record.
    mutating func identity() -> ProvisionedIdentity {
        let keyID = (try? ProvisioningKeyID(copying: deviceCredential.keyID.span)) ?? ProvisioningKeyID()
        return ProvisionedIdentity(deviceID: deviceID, keyID: keyID, credential: deviceCredential.bytes,
                                   sequence: sequence)
    }

    /// Zeroes the private key in place; the record is unusable for EDHOC afterwards.
    public mutating func wipe() {
        privateKey.wipe()
    }

    /// Zeroes the private key and ends the record.
    public consuming func destroy() {
        privateKey.wipe()
    }

    // MARK: Slot format

    /// "RPR1".
    static let magic: InlineArray<4, UInt8> = [0x52, 0x50, 0x52, 0x31]
    /// magic (4) + sequence (4) + length (2).
    static let headerByteCount = 10
    static let checkByteCount = 4
    /// Largest body: array head 1 + device-id 9 + suite 5 + key 34 + two CCS of 128 bytes
    /// (2 + 128 each) + a policy of five uint32 values (31) = 340.
    static let maxBodyByteCount = 340
    /// Largest slot content (10 + 340 + 4), and the bytes `ProvisioningStore` reads of a
    /// page: fits the smallest page (1024 bytes).
    public static var maxEncodedByteCount: Int { SlotStorage.count }

    /// Writes the whole slot content (header, body, CRC) with `sequence` at the start of
    /// `storage`; returns its length. The storage then holds the private key: wipe it.
    /// `mutating` only so that the record is not copied to make the call.
    mutating func encode(sequence: UInt32, into storage: inout SlotStorage) throws(ProvisioningRecordError) -> Int {
        var end = 0
        do throws(ProtocolBufferError) {
            var writer = ByteWriter(storage.mutableSpan, startingAt: Self.headerByteCount)
            try writer.cborArrayHeader(6)
            try writer.cborByteString(deviceID.span)
            try writer.cborInt(suite.rawValue)
            try writer.cborByteString(privateKey.span)
            try writer.cborByteString(deviceCredential.bytes.span)
            try writer.cborByteString(gatewayCredential.bytes.span)
            try policy.write(into: &writer)
            end = writer.count
        } catch {
            throw .tooLong
        }
        guard end + Self.checkByteCount <= SlotStorage.count else { throw .tooLong }
        let bodyCount = end - Self.headerByteCount
        for i in 0..<4 { storage[i] = Self.magic[i] }
        Self.storeLittleEndian(sequence, byteCount: 4, at: 4, in: &storage)
        Self.storeLittleEndian(UInt32(bodyCount), byteCount: 2, at: 8, in: &storage)
        let crc = CRC32.checksum(storage.span.extracting(0..<end))
        Self.storeLittleEndian(crc, byteCount: 4, at: end, in: &storage)
        return end + Self.checkByteCount
    }

    /// Validates a slot's content (magic, length, CRC) and parses its body. Any failure —
    /// an erased page, a torn write, a flipped bit — throws: the slot holds no record.
    init(slot bytes: Span<UInt8>) throws(ProvisioningRecordError) {
        guard bytes.count >= Self.headerByteCount + Self.checkByteCount else { throw .invalid }
        for i in 0..<4 where bytes[i] != Self.magic[i] { throw .invalid }
        let bodyCount = Int(Self.loadLittleEndian(bytes, at: 8, byteCount: 2))
        guard bodyCount <= Self.maxBodyByteCount,
              Self.headerByteCount + bodyCount + Self.checkByteCount <= bytes.count else { throw .invalid }
        let end = Self.headerByteCount + bodyCount
        guard CRC32.checksum(bytes.extracting(0..<end)) == Self.loadLittleEndian(bytes, at: end, byteCount: 4) else {
            throw .invalid
        }
        try self.init(body: bytes.extracting(Self.headerByteCount..<end),
                      sequence: Self.loadLittleEndian(bytes, at: 4, byteCount: 4))
    }

    private init(body: Span<UInt8>, sequence: UInt32) throws(ProvisioningRecordError) {
        var reader = CBORReader(body)
        let deviceID: DeviceIdentifier
        let suite: EDHOCCipherSuite
        var key: Bytes32
        let deviceCredential: EDHOCCredential
        let gatewayCredential: EDHOCCredential
        let policy: ProvisioningPolicy
        do throws(ProvisioningMessageError) {
            guard try reader.provisioning({ r throws(CBORError) in try r.readArrayHeader() }) == 6 else {
                throw .malformed
            }
            deviceID = try reader.provisioningFixed()
            let rawSuite = try reader.provisioning { r throws(CBORError) in try r.readInt() }
            guard let known = EDHOCCipherSuite(rawValue: rawSuite) else { throw .malformed }
            suite = known
            key = try reader.provisioningFixed()
            deviceCredential = try reader.provisioningCredential()
            gatewayCredential = try reader.provisioningCredential()
            policy = try ProvisioningPolicy(reading: &reader)
            guard reader.isAtEnd else { throw .malformed }
        } catch {
            throw .invalid
        }
        defer { key.wipe() }
        do {
            try self.init(deviceID: deviceID, suite: suite, privateKey: key, deviceCredential: deviceCredential,
                          gatewayCredential: gatewayCredential, policy: policy, sequence: sequence)
        } catch {
            throw .invalid
        }
    }

    static func storeLittleEndian(_ value: UInt32, byteCount: Int, at offset: Int, in storage: inout SlotStorage) {
        for i in 0..<byteCount { storage[offset + i] = UInt8(truncatingIfNeeded: value &>> UInt32(8 * i)) }
    }

    static func loadLittleEndian(_ bytes: Span<UInt8>, at offset: Int, byteCount: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<byteCount { value |= UInt32(bytes[offset + i]) &<< UInt32(8 * i) }
        return value
    }
}

/// One slot's content as the store reads and writes it (`ProvisioningRecord.maxEncodedByteCount`).
typealias SlotStorage = InlineArray<354, UInt8>

/// Why a record could not be made, encoded or read.
public enum ProvisioningRecordError: Error, Sendable, Equatable {
    /// CRED_I or CRED_R is not for the static key's suite.
    case suiteMismatch
    /// The record does not fit a slot's buffer.
    case tooLong
    /// The slot holds no valid record (erased, torn, corrupted or of another format).
    case invalid
}

import RampartCrypto
import RampartProtocol

// The provisioning messages of docs/provisioning.md: CBOR arrays whose first element is the
// message type, carried one per serial frame beside CoAP. The device parses what the host
// sends and writes its answers; the host tool (HostTools/Provisioning) uses the same code for
// the other direction, so both ends share one codec and the wire format lives in one place.

/// 8 random bytes the host chooses per exchange; every answer echoes them.
public typealias ProvisioningNonce = InlineArray<8, UInt8>
/// The board's identity, drawn at random with its key pair (`device-id`).
public typealias DeviceIdentifier = InlineArray<8, UInt8>
/// The kid the host assigns (`kid = bstr .size (1..8)`): the COSE_Key's kid in CRED_I.
public typealias ProvisioningKeyID = BoundedBytes<8>
/// Firmware version and diagnostics (UTF-8, not validated; compared byte-wise).
public typealias ProvisioningText = BoundedBytes<48>

/// The `code` of an `error` message (docs/provisioning.md, "Error codes").
public enum ProvisioningErrorCode: UInt8, Sendable {
    /// `hello` or `provision` to a provisioned board: factory-reset it first.
    case alreadyProvisioned = 1
    /// Out of sequence: `provision` without a `hello` before it, or with another nonce.
    case unexpected = 2
    /// Not a message of docs/provisioning.md (bad CBOR, wrong types or sizes, trailing bytes).
    case malformed = 3
    /// `hello` asked for a cipher suite this firmware has no key generation for.
    case unsupportedSuite = 4
    /// The record could not be written and read back; the previous record is still in use.
    case storageFailed = 5
    /// CRED_R is not a CCS, or not for the static key's suite.
    case badGatewayCredential = 6
    /// `factory-reset` named another board's device-id.
    case wrongDeviceID = 7
}

/// The message types: the first element of every message's array.
public enum ProvisioningMessageType: UInt8, Sendable {
    case hello = 1, offer = 2, provision = 3, done = 4, error = 5, status = 6, statusReport = 7,
         factoryReset = 8, resetDone = 9
}

/// The policy the host gives (docs/provisioning.md `policy`), defaults as documented.
public struct ProvisioningPolicy: Sendable, Equatable {
    /// Key 1: telemetry interval, ms.
    public var telemetryIntervalMilliseconds: UInt32
    /// Key 2: scheduled re-key interval, s (0 = never).
    public var rekeyIntervalSeconds: UInt32
    /// Key 3: CoAP ACK_TIMEOUT, ms.
    public var ackTimeoutMilliseconds: UInt32
    /// Key 4: quarantine back-off base, ms.
    public var quarantineBackOffBaseMilliseconds: UInt32
    /// Key 5: quarantine back-off cap, ms.
    public var quarantineBackOffCapMilliseconds: UInt32

    public init(telemetryIntervalMilliseconds: UInt32 = 10_000, rekeyIntervalSeconds: UInt32 = 3600,
                ackTimeoutMilliseconds: UInt32 = 2000, quarantineBackOffBaseMilliseconds: UInt32 = 5000,
                quarantineBackOffCapMilliseconds: UInt32 = 600_000) {
        self.telemetryIntervalMilliseconds = telemetryIntervalMilliseconds
        self.rekeyIntervalSeconds = rekeyIntervalSeconds
        self.ackTimeoutMilliseconds = ackTimeoutMilliseconds
        self.quarantineBackOffBaseMilliseconds = quarantineBackOffBaseMilliseconds
        self.quarantineBackOffCapMilliseconds = quarantineBackOffCapMilliseconds
    }

    /// The device's configuration under this policy (everything else at DeviceConfiguration's
    /// defaults). Values the device cannot run with are raised to the smallest it can: an
    /// interval or ACK_TIMEOUT of 0 becomes 1 ms (`DeviceConfiguration` and `BackOffPolicy`
    /// clamp the same way), a cap below its base becomes the base.
    public var deviceConfiguration: DeviceConfiguration {
        var transmission = CoAPTransmissionParameters.rfc7252
        transmission.ackTimeoutMilliseconds = max(1, ackTimeoutMilliseconds)
        return DeviceConfiguration(
            telemetryIntervalMilliseconds: telemetryIntervalMilliseconds, rekeyIntervalSeconds: rekeyIntervalSeconds,
            transmission: transmission,
            quarantineBackOff: BackOffPolicy(baseMilliseconds: quarantineBackOffBaseMilliseconds,
                                             capMilliseconds: quarantineBackOffCapMilliseconds))
    }

    static let keyTelemetryInterval: Int32 = 1
    static let keyRekeyInterval: Int32 = 2
    static let keyAckTimeout: Int32 = 3
    static let keyQuarantineBase: Int32 = 4
    static let keyQuarantineCap: Int32 = 5

    /// Writes all five keys, in order: explicit values survive a firmware whose defaults
    /// differ from the tool's.
    public func write(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborMapHeader(5)
        try writer.cborInt(Self.keyTelemetryInterval)
        try writer.cborUnsigned(telemetryIntervalMilliseconds)
        try writer.cborInt(Self.keyRekeyInterval)
        try writer.cborUnsigned(rekeyIntervalSeconds)
        try writer.cborInt(Self.keyAckTimeout)
        try writer.cborUnsigned(ackTimeoutMilliseconds)
        try writer.cborInt(Self.keyQuarantineBase)
        try writer.cborUnsigned(quarantineBackOffBaseMilliseconds)
        try writer.cborInt(Self.keyQuarantineCap)
        try writer.cborUnsigned(quarantineBackOffCapMilliseconds)
    }

    /// Reads a policy map: int keys, known keys with a uint value (each at most once),
    /// unknown int keys skipped with whatever value they carry (newer tools, older firmware).
    init(reading reader: inout CBORReader) throws(ProvisioningMessageError) {
        self.init()
        let pairs = try reader.provisioning { r throws(CBORError) in try r.readMapHeader() }
        var seen: UInt8 = 0
        for _ in 0..<pairs {
            let key = try reader.provisioning { r throws(CBORError) in try r.readInt() }
            guard key >= Self.keyTelemetryInterval && key <= Self.keyQuarantineCap else {
                try reader.provisioning { r throws(CBORError) in try r.skipItem() }
                continue
            }
            let bit = UInt8(1) &<< UInt8(truncatingIfNeeded: key)
            guard seen & bit == 0 else { throw .malformed }
            seen |= bit
            let value = try reader.provisioning { r throws(CBORError) in try r.readUnsigned() }
            switch key {
            case Self.keyTelemetryInterval: telemetryIntervalMilliseconds = value
            case Self.keyRekeyInterval: rekeyIntervalSeconds = value
            case Self.keyAckTimeout: ackTimeoutMilliseconds = value
            case Self.keyQuarantineBase: quarantineBackOffBaseMilliseconds = value
            default: quarantineBackOffCapMilliseconds = value
            }
        }
    }
}

/// Up to 4 suites, in order (`suites: [+ suite]`).
public struct ProvisioningSuites: Sendable, Equatable {
    var values: InlineArray<4, Int32>
    public private(set) var count: Int

    public init() {
        values = InlineArray(repeating: 0)
        count = 0
    }

    /// Most suites a list holds.
    public static var capacity: Int { 4 }

    public subscript(index: Int) -> Int32 {
        precondition(index >= 0 && index < count, "ProvisioningSuites index out of range")
        return values[index]
    }

    /// Appends `suite`; throws `.tooLong` when the list is full.
    public mutating func append(_ suite: Int32) throws(ProtocolBufferError) {
        guard count < Self.capacity else { throw .tooLong }
        values[count] = suite
        count += 1
    }

    /// Whether `suite` is in the list.
    public func contains(_ suite: Int32) -> Bool {
        for i in 0..<count where values[i] == suite { return true }
        return false
    }

    public static func == (lhs: ProvisioningSuites, rhs: ProvisioningSuites) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs.values[i] != rhs.values[i] { return false }
        return true
    }

    func write(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        guard count > 0 else { throw .tooLong }
        try writer.cborArrayHeader(count)
        for i in 0..<count { try writer.cborInt(values[i]) }
    }

    init(reading reader: inout CBORReader) throws(ProvisioningMessageError) {
        self.init()
        let items = try reader.provisioning { r throws(CBORError) in try r.readArrayHeader() }
        guard items > 0 else { throw .malformed }
        guard items <= Self.capacity else { throw .tooLong }
        for _ in 0..<items {
            let suite = try reader.provisioning { r throws(CBORError) in try r.readInt() }
            // Fits: `items` was checked against the capacity.
            try? append(suite)
        }
    }
}

/// `offer`: the board's answer to `hello`, with the public key it generated.
public struct ProvisioningOffer: Sendable {
    public var nonce: ProvisioningNonce
    public var deviceID: DeviceIdentifier
    /// 1–32 bytes on the wire.
    public var firmware: ProvisioningText
    /// What the firmware supports.
    public var suites: ProvisioningSuites
    /// The static key's suite.
    public var suite: Int32
    /// X25519 u, or P-256 x.
    public var x: Bytes32
    /// P-256 y: present exactly when `suite` is 2.
    public var y: Bytes32?

    public init(nonce: ProvisioningNonce, deviceID: DeviceIdentifier, firmware: ProvisioningText,
                suites: ProvisioningSuites, suite: Int32, x: Bytes32, y: Bytes32?) {
        self.nonce = nonce
        self.deviceID = deviceID
        self.firmware = firmware
        self.suites = suites
        self.suite = suite
        self.x = x
        self.y = y
    }
}

/// `status-report`: what the board is and, when provisioned, who.
public struct ProvisioningStatusReport: Sendable {
    public var nonce: ProvisioningNonce
    /// `state`: 0 unprovisioned, 1 provisioned. The fields below are on the wire only when
    /// true; written then, a nil `deviceID` goes out as 8 zero bytes.
    public var isProvisioned: Bool
    public var firmware: ProvisioningText
    public var suites: ProvisioningSuites
    // present when provisioned:
    public var deviceID: DeviceIdentifier?
    public var keyID: ProvisioningKeyID
    /// CRED_I.
    public var credential: CredentialStorage
    /// The record's sequence number (how many times the board was provisioned, and saved).
    public var sequence: UInt32

    public init(nonce: ProvisioningNonce, isProvisioned: Bool, firmware: ProvisioningText,
                suites: ProvisioningSuites, deviceID: DeviceIdentifier? = nil,
                keyID: ProvisioningKeyID = ProvisioningKeyID(), credential: CredentialStorage = CredentialStorage(),
                sequence: UInt32 = 0) {
        self.nonce = nonce
        self.isProvisioned = isProvisioned
        self.firmware = firmware
        self.suites = suites
        self.deviceID = deviceID
        self.keyID = keyID
        self.credential = credential
        self.sequence = sequence
    }
}

/// One provisioning message (docs/provisioning.md, "Messages").
public enum ProvisioningMessage: Sendable {
    case hello(nonce: ProvisioningNonce, seed: Bytes32, suite: Int32)
    case offer(ProvisioningOffer)
    case provision(nonce: ProvisioningNonce, keyID: ProvisioningKeyID, gatewayCredential: CredentialStorage,
                   policy: ProvisioningPolicy)
    case done(nonce: ProvisioningNonce, credential: CredentialStorage)
    /// `code` is a `ProvisioningErrorCode` raw value; an unknown one is kept as it came.
    case error(nonce: ProvisioningNonce, code: UInt8, diagnostic: ProvisioningText)
    case status(nonce: ProvisioningNonce)
    case statusReport(ProvisioningStatusReport)
    case factoryReset(nonce: ProvisioningNonce, deviceID: DeviceIdentifier)
    case resetDone(nonce: ProvisioningNonce)

    /// Largest encoded message `write` produces: a provisioned status-report with a
    /// 48-byte firmware text, 4 suites, an 8-byte kid and a 128-byte CRED_I is 236 bytes.
    /// Received messages may be longer (unknown policy keys), up to a frame's payload.
    public static let maxByteCount = 256

    /// The longest `firmware` an offer carries (`tstr .size (1..32)`).
    public static let maxOfferFirmwareByteCount = 32

    /// Whether a frame payload is a provisioning message (a CBOR array: first byte
    /// 0x80...0x9F) rather than CoAP (version 1: 0x40...0x7F).
    public static func isProvisioning(firstByte: UInt8) -> Bool {
        firstByte & 0xE0 == 0x80
    }

    /// The message's type.
    public var type: ProvisioningMessageType {
        switch self {
        case .hello: .hello
        case .offer: .offer
        case .provision: .provision
        case .done: .done
        case .error: .error
        case .status: .status
        case .statusReport: .statusReport
        case .factoryReset: .factoryReset
        case .resetDone: .resetDone
        }
    }

    /// The message's nonce.
    public var nonce: ProvisioningNonce {
        switch self {
        case .hello(let nonce, _, _), .provision(let nonce, _, _, _), .done(let nonce, _), .error(let nonce, _, _),
             .status(let nonce), .factoryReset(let nonce, _), .resetDone(let nonce):
            nonce
        case .offer(let offer): offer.nonce
        case .statusReport(let report): report.nonce
        }
    }

    // MARK: Writing

    /// Writes the message. Throws `.tooLong` when the writer is full, and also when a field
    /// is outside what docs/provisioning.md allows (an empty kid or suite list, an offer's
    /// firmware text empty or over 32 bytes, an offer's `y` present for a suite other than 2
    /// or missing for suite 2), so nothing leaves that the other side's decoder would refuse.
    public func write(into writer: inout ByteWriter) throws(ProtocolBufferError) {
        switch self {
        case .hello(let nonce, let seed, let suite):
            try Self.writeStart(.hello, elements: 4, nonce: nonce, into: &writer)
            try writer.cborByteString(seed.span)
            try writer.cborInt(suite)
        case .offer(let offer):
            let firmwareCount = offer.firmware.count
            guard firmwareCount >= 1, firmwareCount <= Self.maxOfferFirmwareByteCount,
                  (offer.y != nil) == (offer.suite == EDHOCCipherSuite.suite2.rawValue) else { throw .tooLong }
            try Self.writeStart(.offer, elements: offer.y == nil ? 7 : 8, nonce: offer.nonce, into: &writer)
            try writer.cborByteString(offer.deviceID.span)
            try writer.cborTextString(offer.firmware.span)
            try offer.suites.write(into: &writer)
            try writer.cborInt(offer.suite)
            try writer.cborByteString(offer.x.span)
            if let y = offer.y { try writer.cborByteString(y.span) }
        case .provision(let nonce, let keyID, let gatewayCredential, let policy):
            guard !keyID.isEmpty else { throw .tooLong }
            try Self.writeStart(.provision, elements: 5, nonce: nonce, into: &writer)
            try writer.cborByteString(keyID.span)
            try writer.cborByteString(gatewayCredential.span)
            try policy.write(into: &writer)
        case .done(let nonce, let credential):
            try Self.writeStart(.done, elements: 3, nonce: nonce, into: &writer)
            try writer.cborByteString(credential.span)
        case .error(let nonce, let code, let diagnostic):
            try Self.writeStart(.error, elements: 4, nonce: nonce, into: &writer)
            try writer.cborUnsigned(UInt32(code))
            try writer.cborTextString(diagnostic.span)
        case .status(let nonce):
            try Self.writeStart(.status, elements: 2, nonce: nonce, into: &writer)
        case .statusReport(let report):
            try Self.writeStart(.statusReport, elements: report.isProvisioned ? 9 : 6, nonce: report.nonce,
                                into: &writer)
            try writer.cborUnsigned(report.isProvisioned ? 1 : 0)
            try writer.cborTextString(report.firmware.span)
            try report.suites.write(into: &writer)
            if report.isProvisioned {
                guard !report.keyID.isEmpty else { throw .tooLong }
                let deviceID = report.deviceID ?? DeviceIdentifier(repeating: 0)
                try writer.cborByteString(deviceID.span)
                try writer.cborByteString(report.keyID.span)
                try writer.cborByteString(report.credential.span)
                try writer.cborUnsigned(report.sequence)
            }
        case .factoryReset(let nonce, let deviceID):
            try Self.writeStart(.factoryReset, elements: 3, nonce: nonce, into: &writer)
            try writer.cborByteString(deviceID.span)
        case .resetDone(let nonce):
            try Self.writeStart(.resetDone, elements: 2, nonce: nonce, into: &writer)
        }
    }

    private static func writeStart(_ type: ProvisioningMessageType, elements: Int, nonce: ProvisioningNonce,
                                   into writer: inout ByteWriter) throws(ProtocolBufferError) {
        try writer.cborArrayHeader(elements)
        try writer.cborUnsigned(UInt32(type.rawValue))
        try writer.cborByteString(nonce.span)
    }

    // MARK: Parsing

    /// Strict decoding (trailing bytes, wrong types, wrong sizes → throws): exactly the
    /// elements the CDDL lists for the type, shortest-form integers, definite lengths.
    ///
    /// - Throws: `.unknownType` for an array whose first element is a type this firmware
    ///   does not know; `.tooLong` for input over a frame's payload or a field longer than
    ///   the firmware stores (CRED over 128 bytes, text over 48, more than 4 suites);
    ///   `.malformed` for everything else.
    public init(parsing bytes: Span<UInt8>) throws(ProvisioningMessageError) {
        guard bytes.count <= SerialFraming.maxPayloadByteCount else { throw .tooLong }
        var reader = CBORReader(bytes)
        let elements = try reader.provisioning { r throws(CBORError) in try r.readArrayHeader() }
        guard elements >= 2 else { throw .malformed }
        let rawType = try reader.provisioning { r throws(CBORError) in try r.readUnsigned() }
        guard rawType <= 0xFF, let type = ProvisioningMessageType(rawValue: UInt8(rawType)) else {
            throw .unknownType
        }
        let nonce: ProvisioningNonce = try reader.provisioningFixed()
        switch type {
        case .hello:
            guard elements == 4 else { throw .malformed }
            let seed: Bytes32 = try reader.provisioningFixed()
            let suite = try reader.provisioning { r throws(CBORError) in try r.readInt() }
            self = .hello(nonce: nonce, seed: seed, suite: suite)
        case .offer:
            guard elements == 7 || elements == 8 else { throw .malformed }
            let deviceID: DeviceIdentifier = try reader.provisioningFixed()
            let firmwareBytes = try reader.provisioningTextString()
            guard firmwareBytes.count >= 1, firmwareBytes.count <= Self.maxOfferFirmwareByteCount else {
                throw .malformed
            }
            let firmware: ProvisioningText = try Self.bounded(firmwareBytes)
            let suites = try ProvisioningSuites(reading: &reader)
            let suite = try reader.provisioning { r throws(CBORError) in try r.readInt() }
            let x: Bytes32 = try reader.provisioningFixed()
            var y: Bytes32? = nil
            if elements == 8 { y = try reader.provisioningFixed() as Bytes32 }
            guard (y != nil) == (suite == EDHOCCipherSuite.suite2.rawValue) else { throw .malformed }
            self = .offer(ProvisioningOffer(nonce: nonce, deviceID: deviceID, firmware: firmware, suites: suites,
                                            suite: suite, x: x, y: y))
        case .provision:
            guard elements == 5 else { throw .malformed }
            let kidBytes = try reader.provisioningByteString()
            guard kidBytes.count >= 1, kidBytes.count <= ProvisioningKeyID.maxCount else { throw .malformed }
            let keyID: ProvisioningKeyID = try Self.bounded(kidBytes)
            let credentialBytes = try reader.provisioningByteString()
            let credential: CredentialStorage = try Self.bounded(credentialBytes)
            let policy = try ProvisioningPolicy(reading: &reader)
            self = .provision(nonce: nonce, keyID: keyID, gatewayCredential: credential, policy: policy)
        case .done:
            guard elements == 3 else { throw .malformed }
            let credentialBytes = try reader.provisioningByteString()
            let credential: CredentialStorage = try Self.bounded(credentialBytes)
            self = .done(nonce: nonce, credential: credential)
        case .error:
            guard elements == 4 else { throw .malformed }
            let code = try reader.provisioning { r throws(CBORError) in try r.readUnsigned() }
            guard code <= 0xFF else { throw .malformed }
            let text = try reader.provisioningTextString()
            guard text.count <= ProvisioningText.maxCount else { throw .malformed }
            let diagnostic: ProvisioningText = try Self.bounded(text)
            self = .error(nonce: nonce, code: UInt8(code), diagnostic: diagnostic)
        case .status:
            guard elements == 2 else { throw .malformed }
            self = .status(nonce: nonce)
        case .statusReport:
            let state = try reader.provisioning { r throws(CBORError) in try r.readUnsigned() }
            guard (state == 0 && elements == 6) || (state == 1 && elements == 9) else { throw .malformed }
            let text = try reader.provisioningTextString()
            let firmware: ProvisioningText = try Self.bounded(text)
            let suites = try ProvisioningSuites(reading: &reader)
            var report = ProvisioningStatusReport(nonce: nonce, isProvisioned: state == 1, firmware: firmware,
                                                  suites: suites)
            if state == 1 {
                report.deviceID = try reader.provisioningFixed() as DeviceIdentifier
                let kidBytes = try reader.provisioningByteString()
                guard kidBytes.count >= 1, kidBytes.count <= ProvisioningKeyID.maxCount else { throw .malformed }
                report.keyID = try Self.bounded(kidBytes)
                let credentialBytes = try reader.provisioningByteString()
                report.credential = try Self.bounded(credentialBytes)
                report.sequence = try reader.provisioning { r throws(CBORError) in try r.readUnsigned() }
            }
            self = .statusReport(report)
        case .factoryReset:
            guard elements == 3 else { throw .malformed }
            let deviceID: DeviceIdentifier = try reader.provisioningFixed()
            self = .factoryReset(nonce: nonce, deviceID: deviceID)
        case .resetDone:
            guard elements == 2 else { throw .malformed }
            self = .resetDone(nonce: nonce)
        }
        guard reader.isAtEnd else { throw .malformed }
    }

    /// The nonce of a message that may not parse as a whole: an array whose second element
    /// is an 8-byte bstr. What an `error` answer echoes when it can (docs/provisioning.md:
    /// 8 zero bytes if unreadable).
    public static func readableNonce(in bytes: Span<UInt8>) -> ProvisioningNonce? {
        var reader = CBORReader(bytes)
        do throws(ProvisioningMessageError) {
            let elements = try reader.provisioning { r throws(CBORError) in try r.readArrayHeader() }
            guard elements >= 2 else { return nil }
            try reader.provisioning { r throws(CBORError) in try r.skipItem() }
            let nonce: ProvisioningNonce = try reader.provisioningFixed()
            return nonce
        } catch {
            return nil
        }
    }

    private static func bounded<let capacity: Int>(_ bytes: Span<UInt8>) throws(ProvisioningMessageError)
        -> BoundedBytes<capacity> {
        do { return try BoundedBytes(copying: bytes) } catch { throw .tooLong }
    }
}

/// Why bytes are not a provisioning message. The device answers all of them with `error`
/// code 3 (malformed).
public enum ProvisioningMessageError: Error, Sendable, Equatable {
    /// Not the CBOR the CDDL describes: wrong types, sizes or element counts, trailing
    /// bytes, non-shortest integers, indefinite lengths.
    case malformed
    /// An array whose type (first element) this firmware does not know.
    case unknownType
    /// Longer than a frame's payload, or a field longer than the firmware stores.
    case tooLong
}

extension CBORReader {
    /// Runs one read, mapping its `CBORError` to `ProvisioningMessageError.malformed`.
    @_lifetime(self: copy self)
    mutating func provisioning<R>(_ read: (inout CBORReader) throws(CBORError) -> R) throws(ProvisioningMessageError) -> R {
        do { return try read(&self) } catch { throw .malformed }
    }

    @_lifetime(copy self)
    mutating func provisioningByteString() throws(ProvisioningMessageError) -> Span<UInt8> {
        do { return try readByteString() } catch { throw .malformed }
    }

    @_lifetime(copy self)
    mutating func provisioningTextString() throws(ProvisioningMessageError) -> Span<UInt8> {
        do { return try readTextString() } catch { throw .malformed }
    }

    /// A byte string holding a CCS (`EDHOCCredential`).
    @_lifetime(self: copy self)
    mutating func provisioningCredential() throws(ProvisioningMessageError) -> EDHOCCredential {
        let bytes = try provisioningByteString()
        do { return try EDHOCCredential(ccs: bytes) } catch { throw .malformed }
    }

    /// A byte string of exactly `N` bytes (nonce, device-id, seed, public key coordinate).
    @_lifetime(self: copy self)
    mutating func provisioningFixed<let N: Int>() throws(ProvisioningMessageError) -> InlineArray<N, UInt8> {
        let bytes = try provisioningByteString()
        guard bytes.count == N else { throw .malformed }
        var value = InlineArray<N, UInt8>(repeating: 0)
        for i in 0..<N { value[i] = bytes[i] }
        return value
    }
}

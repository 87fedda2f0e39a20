import RampartCrypto
import RampartPlatform
import RampartProtocol

/// What a provisioned board says about itself in a status-report, and what a factory reset
/// must name. Public data only (the private key stays in the record).
public struct ProvisionedIdentity: Sendable {
    public var deviceID: DeviceIdentifier
    public var keyID: ProvisioningKeyID
    /// CRED_I.
    public var credential: CredentialStorage
    /// The record's sequence number.
    public var sequence: UInt32

    public init(record: borrowing ProvisioningRecord) {
        deviceID = record.deviceID
        keyID = record.keyID
        credential = record.deviceCredential.bytes
        sequence = record.sequence
    }

    init(deviceID: DeviceIdentifier, keyID: ProvisioningKeyID, credential: CredentialStorage, sequence: UInt32) {
        self.deviceID = deviceID
        self.keyID = keyID
        self.credential = credential
        self.sequence = sequence
    }
}

/// The key pair generated for `hello`, waiting in RAM for `provision`. Non-copyable: it
/// exists once, and every path that drops it (a new hello, a factory reset, the save that
/// puts it in the record) calls `destroy()`.
struct PendingKey: ~Copyable {
    /// The hello's nonce: `provision` must echo it.
    let nonce: ProvisioningNonce
    let deviceID: DeviceIdentifier
    let suite: EDHOCCipherSuite
    var privateKey: Bytes32
    let x: Bytes32
    let y: Bytes32?

    consuming func destroy() {
        privateKey.wipe()
    }

    /// Whether a `factory-reset` names this key's device-id. `mutating` so that a check
    /// through `pending!` reads the key where it is instead of copying it.
    mutating func matches(_ other: DeviceIdentifier) -> Bool {
        constantTimeEqual(deviceID.span, other.span)
    }
}

/// Why `provision` failed: the `error` answer's code and diagnostic.
struct ProvisioningFailure: Error {
    let code: ProvisioningErrorCode
    let diagnostic: StaticString

    init(_ code: ProvisioningErrorCode, _ diagnostic: StaticString) {
        self.code = code
        self.diagnostic = diagnostic
    }
}

/// What one provisioning message led to.
public struct ProvisioningResult: ~Copyable {
    /// The answer to send; nil when the message is not one the device answers (an `error`
    /// from the other side: answering it could start an error ping-pong).
    public var answer: ProvisioningMessage?
    /// The record that `provision` just saved and read back: the owner builds its `Device`
    /// from it, then destroys it.
    public var savedRecord: ProvisioningRecord?
    /// Both slots were erased and the pending key wiped: the owner must end its `Device`
    /// (and wipe its static key) and go back to unprovisioned.
    public var didFactoryReset: Bool

    init(answer: ProvisioningMessage?, savedRecord: consuming ProvisioningRecord? = nil, didFactoryReset: Bool = false) {
        self.answer = answer
        self.savedRecord = savedRecord
        self.didFactoryReset = didFactoryReset
    }
}

/// What a provisioning message did besides its answer: the small result of the responder's
/// in-place entry points (`answerUnprovisioned`, `answerProvisioned`). `DeviceApplication`
/// uses those rather than `ProvisioningResult`, which carries a whole record and message:
/// returned by value through each call, they were copied into every frame on the way.
enum ProvisioningEffect {
    case none
    /// `provision` saved a record and read it back: the owner loads it from the store.
    case saved
    /// Both slots were erased and the pending key wiped: the owner ends its `Device`.
    case factoryReset
}

/// The board's side of docs/provisioning.md: answers every host message with one message
/// echoing its nonce, generates the static key pair for `hello`, builds CRED_I and saves the
/// record for `provision`, erases it for `factory-reset`.
///
/// The key pair: I = HKDF-Expand(HKDF-Extract(salt: the host's seed, IKM: 32 bytes of the
/// board's own randomness), "rampart static key" ‖ suite ‖ counter, 32). The host's seed
/// helps a board whose random source is weak; the board's randomness keeps the key secret
/// from the host (who knows the seed). X25519 takes the 32 bytes as they are (clamping is
/// the function's, RFC 7748 §5); for P-256 a value that is not a scalar in [1, n-1] (chance
/// about 2^-32) is replaced by the next counter's.
///
/// Two entry points, as the board has two states: `respondUnprovisioned` needs the crypto
/// provider (the board's only DRBG, which a running `Device` otherwise owns);
/// `respondProvisioned` needs none — a provisioned board only reports and resets.
public struct ProvisioningResponder: ~Copyable {
    /// What offers and status-reports say the firmware is.
    public let firmware: ProvisioningText
    /// What the firmware supports: both suites of the profile.
    public let suites: ProvisioningSuites
    var pending: PendingKey? = nil

    /// Tries of HKDF-Expand counters before giving up on a P-256 scalar (each fails with
    /// probability about 2^-32).
    static let maxKeyGenerationAttempts: UInt8 = 8
    /// How a device names itself in CRED_I: "rampart-" and its device-id in lower-case hex.
    static let subjectPrefix: StaticString = "rampart-"

    /// `firmwareVersion` goes into offers, which allow 1–32 bytes: a longer one is cut
    /// there, an empty one becomes "unknown".
    public init(firmwareVersion: StaticString) {
        var text = ProvisioningText()
        let count = min(firmwareVersion.utf8CodeUnitCount, ProvisioningMessage.maxOfferFirmwareByteCount)
        let bytes = UnsafeBufferPointer(start: firmwareVersion.utf8Start, count: count)
        for byte in bytes { try? text.append(byte) }
        if text.isEmpty { try? Self.append("unknown", to: &text) }
        firmware = text
        var supported = ProvisioningSuites()
        try? supported.append(EDHOCCipherSuite.suite0.rawValue)
        try? supported.append(EDHOCCipherSuite.suite2.rawValue)
        suites = supported
    }

    /// Whether a `hello` left a key pair waiting for `provision`.
    public var hasPendingKey: Bool { pending != nil }

    /// Wipes the pending key, if any.
    public mutating func wipe() {
        pending.take()?.destroy()
    }

    // MARK: Unprovisioned

    /// Answers one message on a board without a record: status, hello (a new key pair),
    /// provision (the record), factory-reset (of the pending device-id).
    public mutating func respondUnprovisioned<Crypto: CryptoProvider, Flash: FlashPageStore>(
        to payload: Span<UInt8>, crypto: inout Crypto, store: inout ProvisioningStore<Flash>
    ) -> ProvisioningResult {
        var answer: ProvisioningMessage? = nil
        let effect = answerUnprovisioned(to: payload, crypto: &crypto, store: &store, answer: &answer)
        return ProvisioningResult(answer: answer, savedRecord: effect == .saved ? store.load() : nil,
                                  didFactoryReset: effect == .factoryReset)
    }

    /// `respondUnprovisioned` in place: the answer goes into `answer` (left nil when the
    /// message gets none), and a saved record stays in `store` for the caller to load.
    @inline(never)
    mutating func answerUnprovisioned<Crypto: CryptoProvider, Flash: FlashPageStore>(
        to payload: Span<UInt8>, crypto: inout Crypto, store: inout ProvisioningStore<Flash>,
        answer: inout ProvisioningMessage?
    ) -> ProvisioningEffect {
        let message: ProvisioningMessage
        do throws(ProvisioningMessageError) {
            message = try ProvisioningMessage(parsing: payload)
        } catch {
            Self.malformed(into: &answer, payload, error)
            return .none
        }
        switch message {
        case .status(let nonce):
            statusReport(into: &answer, nonce, identity: nil)
            return .none
        case .hello(let nonce, let seed, let suite):
            hello(nonce: nonce, seed: seed, suite: suite, crypto: &crypto, answer: &answer)
            return .none
        case .provision(let nonce, let keyID, let gatewayCredential, let policy):
            return provision(nonce: nonce, keyID: keyID, gatewayCredential: gatewayCredential, policy: policy,
                             crypto: &crypto, store: &store, answer: &answer)
        case .factoryReset(let nonce, let deviceID):
            guard pending != nil, pending!.matches(deviceID) else {
                Self.error(into: &answer, nonce, .wrongDeviceID, "not this board")
                return .none
            }
            return factoryReset(nonce: nonce, store: &store, answer: &answer)
        default:
            Self.unexpected(into: &answer, message)
            return .none
        }
    }

    /// `hello`: a new key pair for `suite` (replacing a pending one) and a random device-id;
    /// the `offer` into `answer`.
    mutating func hello<Crypto: CryptoProvider>(nonce: ProvisioningNonce, seed: Bytes32, suite rawSuite: Int32,
                                                crypto: inout Crypto, answer: inout ProvisioningMessage?) {
        pending.take()?.destroy()
        guard let suite = EDHOCCipherSuite(rawValue: rawSuite), suites.contains(rawSuite) else {
            Self.error(into: &answer, nonce, .unsupportedSuite, "suites are 0 and 2")
            return
        }
        // Key generation and the answer each in a frame of their own: the offer being built
        // is not on the stack under the scalar multiplication.
        guard generateKey(nonce: nonce, seed: seed, suite: suite, crypto: &crypto) else {
            Self.error(into: &answer, nonce, .unexpected, "key generation failed")
            return
        }
        offer(into: &answer)
    }

    /// The `offer` for the pending key.
    @inline(never)
    mutating func offer(into answer: inout ProvisioningMessage?) {
        guard let key = pending.take() else { return }
        answer = .offer(ProvisioningOffer(nonce: key.nonce, deviceID: key.deviceID, firmware: firmware, suites: suites,
                                          suite: key.suite.rawValue, x: key.x, y: key.y))
        pending = consume key
    }

    /// Derives the key pair (see the type's documentation) and makes it the pending one.
    /// False if no key could be derived.
    @inline(never)
    mutating func generateKey<Crypto: CryptoProvider>(nonce: ProvisioningNonce, seed: Bytes32,
                                                      suite: EDHOCCipherSuite, crypto: inout Crypto) -> Bool {
        var ikm = Bytes32.zero
        var deviceID = DeviceIdentifier(repeating: 0)
        do {
            var span = ikm.mutableSpan
            crypto.fillRandom(&span)
            var idSpan = deviceID.mutableSpan
            crypto.fillRandom(&idSpan)
        }
        var prk = crypto.hkdfExtract(salt: seed.span, ikm: ikm.span)
        ikm.wipe()
        defer { prk.wipe() }
        var counter: UInt8 = 0
        while counter < Self.maxKeyGenerationAttempts {
            var key = Bytes32.zero
            var info = BoundedBytes<24>()
            do throws(ProtocolBufferError) {
                try Self.append("rampart static key", to: &info)
                try info.append(UInt8(truncatingIfNeeded: suite.rawValue))
                try info.append(counter)
            } catch {
                break
            }
            do throws(CryptoError) {
                var span = key.mutableSpan
                try crypto.hkdfExpand(prk: prk.span, info: info.span, into: &span)
            } catch {
                key.wipe()
                break
            }
            counter &+= 1
            let x: Bytes32
            var y: Bytes32? = nil
            switch suite {
            case .suite0:
                x = crypto.x25519PublicKey(privateKey: key)
            case .suite2:
                do throws(CryptoError) {
                    let point = try crypto.p256PublicKey(privateKey: key)
                    x = point.x
                    y = point.y
                } catch {
                    key.wipe()
                    continue
                }
            }
            pending = PendingKey(nonce: nonce, deviceID: deviceID, suite: suite, privateKey: key, x: x, y: y)
            key.wipe()
            return true
        }
        return false
    }

    /// `provision`: CRED_I from the pending key and the kid, the record saved and read back.
    @inline(never)
    mutating func provision<Crypto: CryptoProvider, Flash: FlashPageStore>(
        nonce: ProvisioningNonce, keyID: ProvisioningKeyID, gatewayCredential: CredentialStorage,
        policy: ProvisioningPolicy, crypto: inout Crypto, store: inout ProvisioningStore<Flash>,
        answer: inout ProvisioningMessage?
    ) -> ProvisioningEffect {
        guard let key = pending.take() else {
            Self.error(into: &answer, nonce, .unexpected, "send hello first")
            return .none
        }
        guard Self.same(key.nonce, nonce) else {
            pending = consume key
            Self.error(into: &answer, nonce, .unexpected, "nonce is not the hello's")
            return .none
        }
        var credential = CredentialStorage()
        var failure: ProvisioningFailure? = nil
        // `ProvisioningStore.save` step by step: the record exists only in `saveRecord`'s
        // frame, never under the reading and parsing of the slots.
        var target = (slot: 0, sequence: UInt32(0))
        do throws(ProvisioningStoreError) {
            target = try store.nextSave()
        } catch {
            failure = ProvisioningFailure(.storageFailed, Self.diagnostic(error))
        }
        if failure == nil {
            do throws(ProvisioningFailure) {
                try Self.saveRecord(key: key, keyID: keyID, gatewayCredential: gatewayCredential, policy: policy,
                                    target: target, deviceCredential: &credential, store: &store)
                do throws(ProvisioningStoreError) {
                    try store.confirm(target)
                } catch {
                    throw ProvisioningFailure(.storageFailed, Self.diagnostic(error))
                }
            } catch {
                failure = error
            }
        }
        let savedSequence = target.sequence
        if let failure {
            // The previous state stays: no record (the board is unprovisioned) and the key
            // pair still pending, so the host may send `provision` again.
            pending = consume key
            Self.error(into: &answer, nonce, failure.code, failure.diagnostic)
            return .none
        }
        key.destroy()
        // What the next boot will see is what the Device starts from: the slot just written
        // must be the newest valid one.
        guard store.currentSequence() == savedSequence else {
            Self.error(into: &answer, nonce, .storageFailed, "another record read back")
            return .none
        }
        Self.done(into: &answer, nonce, credential)
        return .saved
    }

    /// Builds the record from `key` (CRED_I into `deviceCredential`, CRED_R checked) and
    /// writes it into `target` (`ProvisioningStore.write`: read back byte for byte). Its own frame: the record, both credentials
    /// and the store's slot buffers are gone before the caller builds the answer.
    @inline(never)
    static func saveRecord<Flash: FlashPageStore>(
        key: borrowing PendingKey, keyID: ProvisioningKeyID, gatewayCredential: CredentialStorage,
        policy: ProvisioningPolicy, target: (slot: Int, sequence: UInt32), deviceCredential: inout CredentialStorage,
        store: inout ProvisioningStore<Flash>
    ) throws(ProvisioningFailure) {
        let gateway: EDHOCCredential
        do throws(EDHOCError) {
            gateway = try EDHOCCredential(ccs: gatewayCredential.span)
        } catch {
            throw ProvisioningFailure(.badGatewayCredential, "CRED_R is not a CCS")
        }
        guard gateway.suite == key.suite else {
            throw ProvisioningFailure(.badGatewayCredential, "CRED_R is for another suite")
        }
        let device: EDHOCCredential
        do throws(EDHOCError) {
            device = try Self.deviceCredential(for: key, keyID: keyID)
        } catch {
            throw ProvisioningFailure(.unexpected, "CRED_I does not fit")
        }
        var record: ProvisioningRecord
        do throws(ProvisioningRecordError) {
            record = try ProvisioningRecord(deviceID: key.deviceID, suite: key.suite, privateKey: key.privateKey,
                                            deviceCredential: device, gatewayCredential: gateway, policy: policy)
        } catch {
            throw ProvisioningFailure(.badGatewayCredential, "CRED_R is for another suite")
        }
        do throws(ProvisioningStoreError) {
            try store.write(&record, sequence: target.sequence, slot: target.slot)
        } catch {
            record.destroy()
            throw ProvisioningFailure(.storageFailed, Self.diagnostic(error))
        }
        record.destroy()
        deviceCredential = device.bytes
    }

    /// CRED_I: `{2: "rampart-<device-id hex>", 8: {1: COSE_Key with kid, the public key}}`.
    @inline(never)
    static func deviceCredential(for key: borrowing PendingKey, keyID: ProvisioningKeyID)
        throws(EDHOCError) -> EDHOCCredential {
        var subject = BoundedBytes<24>()
        let digits: InlineArray<16, UInt8> = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
                                               0x61, 0x62, 0x63, 0x64, 0x65, 0x66]
        do throws(ProtocolBufferError) {
            try append(subjectPrefix, to: &subject)
            for i in 0..<8 {
                try subject.append(digits[Int(key.deviceID[i] &>> 4)])
                try subject.append(digits[Int(key.deviceID[i] & 0x0F)])
            }
        } catch {
            throw .bufferTooSmall
        }
        var ccs = CredentialStorage()
        try ccs.write { (writer: inout ByteWriter) throws(EDHOCError) in
            try EDHOCCredential.writeCCS(suite: key.suite, subject: subject.span, keyID: keyID.span, x: key.x,
                                         y: key.y, into: &writer)
        }
        return try EDHOCCredential(ccs: ccs.span)
    }

    // MARK: Provisioned

    /// Answers one message on a provisioned board: status, factory-reset (of its own
    /// device-id); `hello` and `provision` get error 1.
    public mutating func respondProvisioned<Flash: FlashPageStore>(
        to payload: Span<UInt8>, identity: ProvisionedIdentity, store: inout ProvisioningStore<Flash>
    ) -> ProvisioningResult {
        var answer: ProvisioningMessage? = nil
        let effect = answerProvisioned(to: payload, identity: identity, store: &store, answer: &answer)
        return ProvisioningResult(answer: answer, didFactoryReset: effect == .factoryReset)
    }

    /// `respondProvisioned` in place (see `answerUnprovisioned`).
    @inline(never)
    mutating func answerProvisioned<Flash: FlashPageStore>(
        to payload: Span<UInt8>, identity: borrowing ProvisionedIdentity, store: inout ProvisioningStore<Flash>,
        answer: inout ProvisioningMessage?
    ) -> ProvisioningEffect {
        let message: ProvisioningMessage
        do throws(ProvisioningMessageError) {
            message = try ProvisioningMessage(parsing: payload)
        } catch {
            Self.malformed(into: &answer, payload, error)
            return .none
        }
        switch message {
        case .status(let nonce):
            statusReport(into: &answer, nonce, identity: copy identity)
            return .none
        case .hello(let nonce, _, _), .provision(let nonce, _, _, _):
            Self.error(into: &answer, nonce, .alreadyProvisioned, "factory-reset first")
            return .none
        case .factoryReset(let nonce, let deviceID):
            guard Self.same(identity.deviceID, deviceID) else {
                Self.error(into: &answer, nonce, .wrongDeviceID, "not this board")
                return .none
            }
            return factoryReset(nonce: nonce, store: &store, answer: &answer)
        default:
            Self.unexpected(into: &answer, message)
            return .none
        }
    }

    /// Erases both slots and wipes the pending key. A failed erase is error 5: the host
    /// retries (erasing is idempotent); the board stays as it was.
    @inline(never)
    mutating func factoryReset<Flash: FlashPageStore>(nonce: ProvisioningNonce, store: inout ProvisioningStore<Flash>,
                                                      answer: inout ProvisioningMessage?) -> ProvisioningEffect {
        pending.take()?.destroy()
        do throws(ProvisioningStoreError) {
            try store.erase()
        } catch {
            Self.error(into: &answer, nonce, .storageFailed, "erase failed, send factory-reset again")
            return .none
        }
        answer = .resetDone(nonce: nonce)
        return .factoryReset
    }

    // MARK: Answers

    /// Error 3, echoing the nonce if the message shows one.
    static func malformed(_ payload: Span<UInt8>, _ error: ProvisioningMessageError) -> ProvisioningMessage {
        let nonce = ProvisioningMessage.readableNonce(in: payload) ?? ProvisioningNonce(repeating: 0)
        switch error {
        case .malformed: return Self.error(nonce, .malformed, "not a provisioning message")
        case .unknownType: return Self.error(nonce, .malformed, "unknown message type")
        case .tooLong: return Self.error(nonce, .malformed, "field too long")
        }
    }

    /// A device message sent to the device: error 2; an `error` is not answered.
    static func unexpected(_ message: ProvisioningMessage) -> ProvisioningMessage? {
        if message.type == .error { return nil }
        return Self.error(message.nonce, .unexpected, "not a host message")
    }

    // The answers are built by these functions, not inlined into the dispatching ones: each
    // message built inline kept its own temporaries (245 bytes each) in the caller's frame,
    // under everything that caller called.

    @inline(never)
    static func malformed(into answer: inout ProvisioningMessage?, _ payload: Span<UInt8>,
                          _ error: ProvisioningMessageError) {
        answer = malformed(payload, error)
    }

    @inline(never)
    static func unexpected(into answer: inout ProvisioningMessage?, _ message: ProvisioningMessage) {
        answer = unexpected(message)
    }

    @inline(never)
    static func done(into answer: inout ProvisioningMessage?, _ nonce: ProvisioningNonce,
                     _ credential: CredentialStorage) {
        answer = .done(nonce: nonce, credential: credential)
    }

    /// A status-report: provisioned with `identity`, unprovisioned without. `mutating` only
    /// so that the responder is not copied to make the call.
    @inline(never)
    mutating func statusReport(into answer: inout ProvisioningMessage?, _ nonce: ProvisioningNonce,
                               identity: ProvisionedIdentity?) {
        var report = ProvisioningStatusReport(nonce: nonce, isProvisioned: false, firmware: firmware, suites: suites)
        if let identity {
            report.isProvisioned = true
            report.deviceID = identity.deviceID
            report.keyID = identity.keyID
            report.credential = identity.credential
            report.sequence = identity.sequence
        }
        answer = .statusReport(report)
    }

    static func error(_ nonce: ProvisioningNonce, _ code: ProvisioningErrorCode,
                      _ diagnostic: StaticString) -> ProvisioningMessage {
        .error(nonce: nonce, code: code.rawValue, diagnostic: text(diagnostic))
    }

    /// `answer = error(...)` with the message built in this frame: each such assignment
    /// inlined kept its own temporary message (245 bytes) in the caller's frame.
    @inline(never)
    static func error(into answer: inout ProvisioningMessage?, _ nonce: ProvisioningNonce,
                      _ code: ProvisioningErrorCode, _ diagnostic: StaticString) {
        answer = error(nonce, code, diagnostic)
    }

    static func diagnostic(_ error: ProvisioningStoreError) -> StaticString {
        switch error {
        case .flashTooSmall: "flash too small for the record"
        case .recordTooLong: "record too long"
        case .writeFailed: "flash write failed"
        case .verifyFailed: "flash read-back differs"
        case .eraseFailed: "flash erase failed"
        }
    }

    /// `string` as a text (cut at 48 bytes; every literal here is shorter).
    static func text(_ string: StaticString) -> ProvisioningText {
        var text = ProvisioningText()
        try? append(string, to: &text)
        return text
    }

    static func append<let capacity: Int>(_ string: StaticString,
                                          to bytes: inout BoundedBytes<capacity>) throws(ProtocolBufferError) {
        let buffer = UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount)
        for byte in buffer { try bytes.append(byte) }
    }

    static func same(_ a: InlineArray<8, UInt8>, _ b: InlineArray<8, UInt8>) -> Bool {
        constantTimeEqual(a.span, b.span)
    }
}

import RampartCrypto
import RampartPlatform
import RampartProtocol

/// A provisioning answer as `poll` encodes it (`ProvisioningMessage.maxByteCount`).
typealias AnswerStorage = InlineArray<256, UInt8>

/// The whole device as a board runs it (and `rampart sim`): provisioning (docs/provisioning.md)
/// in front of the `Device` state machine, both on one link. Frames whose payload starts with
/// 0x80–0x9F are provisioning messages, the rest CoAP.
///
/// Two states, and the crypto provider (the board's one DRBG) is always in exactly one
/// place — moved, never copied, so no random stream ever runs twice:
///
/// - unprovisioned (`phase` `.unprovisioned`, or `.provisioning` while a `hello`'s key pair
///   waits for `provision`): the provider and the sensor are held here for the responder;
///   CoAP is dropped;
/// - provisioned: a `Device` built from the record owns them and runs EDHOC and OSCORE; the
///   responder still answers `status` and `factory-reset`. A factory reset dismantles the
///   device (its secrets wiped), takes the provider and the sensor back and erases the record.
///
/// A successful `provision` starts the `Device` at once: the poll after the `done` answer
/// sends message_1.
public struct DeviceApplication<Crypto: CryptoProvider, Sensor: DeviceSensor, Flash: FlashPageStore>: ~Copyable {
    var store: ProvisioningStore<Flash>
    var responder: ProvisioningResponder
    /// The crypto provider and the sensor while no `Device` holds them.
    var idleCrypto: Crypto?
    var idleSensor: Sensor?
    var device: Device<Crypto, Sensor>? = nil
    /// The record's public part while provisioned.
    var identity: ProvisionedIdentity? = nil
    /// The answer to the last provisioning message, until `poll` sends it. One is enough:
    /// the host waits for each answer before it sends the next message.
    var pendingAnswer: ProvisioningMessage? = nil

    /// Loads the provisioning record from `flash` (newest valid slot). With one, builds the
    /// `Device` (static key from the record, CRED_R, policy → DeviceConfiguration) and the first
    /// poll starts EDHOC; without one, `phase == .unprovisioned` and it waits for `hello`.
    // `@inline(never)` on the entry points and on each transition: inlined, their temporaries
    // (page buffers, records, messages, a `Device` being built) would all stay in one stack
    // frame — a board's main loop's — instead of each using the stack only while it runs.
    @inline(never)
    public init(crypto: consuming Crypto, sensor: Sensor, flash: consuming Flash,
                firmwareVersion: StaticString, nowMilliseconds: UInt64) {
        self.init(crypto: crypto, sensor: sensor, flash: flash, firmwareVersion: firmwareVersion)
        start(nowMilliseconds: nowMilliseconds)
    }

    /// The first half of `init(crypto:sensor:flash:firmwareVersion:nowMilliseconds:)`, for a
    /// board's main loop: nothing read from flash yet (`phase == .unprovisioned`) until
    /// `start(nowMilliseconds:)`. Split, an initializer's frame — which holds the whole
    /// application while it is built — never sits under the record loading and the `Device`
    /// construction on a small stack.
    @inline(never)
    public init(crypto: consuming Crypto, sensor: Sensor, flash: consuming Flash, firmwareVersion: StaticString) {
        store = ProvisioningStore(flash: flash)
        responder = ProvisioningResponder(firmwareVersion: firmwareVersion)
        idleCrypto = crypto
        idleSensor = sensor
    }

    // The getters below are `mutating get`, and read through the optional in place
    // (`device!.currentPhase()`): a borrowing read of `device` — a `switch`, `device?.phase`
    // — copies the whole `Device` (about 1.5 KB) into a temporary on the boards. The board
    // code holds the application in a `var` anyway.

    /// `.unprovisioned`, `.provisioning` (a key pair offered, `provision` awaited), or the
    /// running `Device`'s phase.
    public var phase: DevicePhase {
        mutating get {
            device != nil ? device!.currentPhase() : (responder.hasPendingKey ? .provisioning : .unprovisioned)
        }
    }

    /// The `Device`'s counters; `DeviceCounters()` when there is none.
    public var counters: DeviceCounters {
        mutating get { device != nil ? device!.currentCounters() : DeviceCounters() }
    }

    /// The board's device-id once provisioned.
    public var deviceID: DeviceIdentifier? { identity?.deviceID }
    /// The kid the host assigned, once provisioned.
    public var keyID: ProvisioningKeyID? { identity?.keyID }
    /// The session's C_R (nil without a session).
    public var senderID: OSCOREIdentifier? {
        mutating get { device != nil ? device!.installedSenderID() : nil }
    }
    /// The sequence number of the record in use.
    public var recordSequence: UInt32? { identity?.sequence }

    /// One received frame payload: provisioning (first byte 0x80...0x9F) or CoAP.
    @inline(never)
    public mutating func receive(_ payload: Span<UInt8>, nowMilliseconds now: UInt64) {
        guard !payload.isEmpty else { return }
        if ProvisioningMessage.isProvisioning(firstByte: payload[0]) {
            receiveProvisioning(payload, now: now)
        } else if device != nil {
            device!.receive(payload, nowMilliseconds: now)
        }
    }

    /// A provisioning message: the responder answers into `pendingAnswer` (sent by the next
    /// `poll`); a saved record starts the `Device`, a factory reset ends it.
    @inline(never)
    mutating func receiveProvisioning(_ payload: Span<UInt8>, now: UInt64) {
        let effect: ProvisioningEffect
        if identity != nil {
            effect = responder.answerProvisioned(to: payload, identity: identity!, store: &store,
                                                 answer: &pendingAnswer)
        } else if idleCrypto != nil {
            effect = responder.answerUnprovisioned(to: payload, crypto: &idleCrypto!, store: &store,
                                                   answer: &pendingAnswer)
        } else {
            return
        }
        switch effect {
        case .none: break
        case .saved: start(nowMilliseconds: now)
        case .factoryReset: stopDevice()
        }
    }

    /// The longest payload `poll` writes: a provisioning answer (`ProvisioningMessage.maxByteCount`)
    /// or a `Device` datagram (`DeviceLimits.datagramByteCount`), whichever is longer.
    public static var maxPayloadByteCount: Int { max(ProvisioningMessage.maxByteCount, DeviceLimits.datagramByteCount) }

    /// The next payload to frame and send: a pending provisioning answer first, then the
    /// Device's datagram. `output.count >= maxPayloadByteCount`.
    @inline(never)
    public mutating func poll(nowMilliseconds now: UInt64, into output: inout MutableSpan<UInt8>) -> DevicePoll {
        if pendingAnswer != nil {
            // Poll again at once: the device may have a datagram ready too.
            return DevicePoll(datagramByteCount: writePendingAnswer(into: &output), wakeAtMilliseconds: now)
        }
        guard device != nil else { return DevicePoll(datagramByteCount: 0, wakeAtMilliseconds: UInt64.max) }
        return device!.poll(nowMilliseconds: now, into: &output)
    }

    /// Encodes `pendingAnswer` into `output` and clears it; 0 bytes if it does not fit.
    @inline(never)
    mutating func writePendingAnswer(into output: inout MutableSpan<UInt8>) -> Int {
        guard let answer = pendingAnswer.take() else { return 0 }
        var encoded = AnswerStorage(repeating: 0)
        var count = 0
        do {
            var writer = ByteWriter(encoded.mutableSpan)
            do throws(ProtocolBufferError) {
                try answer.write(into: &writer)
                count = writer.count
            } catch {
                count = 0
            }
        }
        if count > output.count { count = 0 }
        for i in 0..<count { output[i] = encoded[i] }
        return count
    }

    /// Ends the application: dismantles the `Device` (wiping its session secrets and static
    /// key) and wipes a pending key pair. Returns the last `Device`'s counters.
    public consuming func shutdown() -> DeviceCounters {
        responder.wipe()
        guard let running = device.take() else { return DeviceCounters() }
        return running.shutdown()
    }

    // MARK: Transitions

    /// Builds the `Device` from the record in the store (at boot, and after `provision` saved
    /// one: reading it back is what the next boot would do) and moves the crypto provider and
    /// the sensor into it. No record, or one whose private key is not CRED_I's (damage the
    /// CRC missed), leaves the board unprovisioned. Does nothing once a `Device` runs.
    @inline(never)
    public mutating func start(nowMilliseconds now: UInt64) {
        guard device == nil, idleCrypto != nil, idleSensor != nil else { return }
        // Reading the record, checking its key (a scalar multiplication) and building the
        // `Device` one after the other, each in its own frame: none of them sits on the
        // stack under another.
        var parts: RecordedDeviceParts? = nil
        loadDeviceParts(into: &parts)
        guard parts != nil else { return }
        var staticKey: EDHOCStaticKey? = nil
        makeStaticKey(from: &parts, into: &staticKey)
        guard staticKey != nil else {
            // Not CRED_I's key (damage the CRC missed): no device.
            identity = nil
            return
        }
        let messageID = Device<Crypto, Sensor>.initialMessageID(crypto: &idleCrypto!)
        installDevice(&parts, staticKey: &staticKey, initialMessageID: messageID, now: now)
    }

    /// What `start` needs from the record into `parts`, and `identity` set from it; nothing
    /// set without a record. The record is read in place in the store's frame.
    @inline(never)
    mutating func loadDeviceParts(into parts: inout RecordedDeviceParts?) {
        var loaded: ProvisionedIdentity? = nil
        _ = store.withNewestRecord { (record: inout ProvisioningRecord) in
            parts = RecordedDeviceParts(record: &record)
            loaded = record.identity()
        }
        identity = loaded
    }

    /// The static key from the record's private key and CRED_I, which it wipes from `parts`;
    /// nil in `staticKey` when the private key is not CRED_I's.
    @inline(never)
    mutating func makeStaticKey(from parts: inout RecordedDeviceParts?, into staticKey: inout EDHOCStaticKey?) {
        guard parts != nil, idleCrypto != nil else { return }
        do throws(EDHOCError) {
            staticKey = try parts!.makeStaticKey(crypto: &idleCrypto!)
        } catch {
            staticKey = nil
        }
    }

    @inline(never)
    mutating func installDevice(_ parts: inout RecordedDeviceParts?, staticKey: inout EDHOCStaticKey?,
                                initialMessageID: UInt16, now: UInt64) {
        guard let key = staticKey.take() else { return }
        // Both present: `start` checked.
        guard let crypto = idleCrypto.take(), let sensor = idleSensor.take() else {
            key.destroy()
            return
        }
        let (gatewayCredential, configuration) = parts!.publicParts()
        // The record guarantees CRED_R's suite is the key's: the checked initializer.
        device = Device(checkedCrypto: crypto, sensor: sensor, staticKey: key, gatewayCredential: gatewayCredential,
                        configuration: configuration, initialMessageID: initialMessageID, nowMilliseconds: now)
    }

    /// After a factory reset: the `Device`'s secrets wiped, its provider and sensor back here.
    @inline(never)
    mutating func stopDevice() {
        identity = nil
        guard device != nil else { return }
        // In place: `device.take()!.dismantle()` moved the whole `Device` through three
        // temporaries on the boards.
        let parts = device!.dismantleInPlace()
        device = nil
        idleCrypto = parts.crypto
        idleSensor = parts.sensor
    }
}

/// A `Device`'s ingredients from the provisioning record: the private key and CRED_I (for
/// the static key), CRED_R, the policy. Non-copyable for the private key, which
/// `makeStaticKey` wipes (and every other path with `wipe()` or by having it moved there).
struct RecordedDeviceParts: ~Copyable {
    var privateKey: Bytes32
    let deviceCredential: EDHOCCredential
    let gatewayCredential: EDHOCCredential
    let configuration: DeviceConfiguration

    init(record: inout ProvisioningRecord) {
        privateKey = record.privateKey
        deviceCredential = record.deviceCredential
        gatewayCredential = record.gatewayCredential
        configuration = record.policy.deviceConfiguration
    }

    /// I with CRED_I; throws when the private key is not CRED_I's. Wipes the private key
    /// here either way.
    mutating func makeStaticKey<Crypto: CryptoProvider>(crypto: inout Crypto) throws(EDHOCError) -> EDHOCStaticKey {
        defer { privateKey.wipe() }
        return try EDHOCStaticKey(crypto: crypto, privateKey: privateKey, credential: deviceCredential)
    }

    /// CRED_R and the configuration, read in place (through `parts!`).
    mutating func publicParts() -> (EDHOCCredential, DeviceConfiguration) {
        (gatewayCredential, configuration)
    }
}

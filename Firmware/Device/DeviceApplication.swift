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
        store = ProvisioningStore(flash: flash)
        responder = ProvisioningResponder(firmwareVersion: firmwareVersion)
        idleCrypto = crypto
        idleSensor = sensor
        start(now: nowMilliseconds)
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
        case .saved: start(now: now)
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
    /// CRC missed), leaves the board unprovisioned.
    @inline(never)
    mutating func start(now: UInt64) {
        guard device == nil, idleCrypto != nil, idleSensor != nil else { return }
        // Reading the record and building the `Device` each in their own frame: the record's
        // buffers are gone before the `Device` (about 1.5 KB) is built.
        guard var parts = loadDeviceParts(), let key = parts.staticKey.take() else { return }
        // Both present: checked above.
        guard let crypto = idleCrypto.take(), let sensor = idleSensor.take() else {
            key.destroy()
            return
        }
        // The record guarantees CRED_R's suite is the key's: the checked initializer.
        device = Device(checkedCrypto: crypto, sensor: sensor, staticKey: key,
                        gatewayCredential: parts.gatewayCredential, configuration: parts.configuration,
                        nowMilliseconds: now)
    }

    /// What `start` needs from the record, and `identity` set from it; nil (and nothing
    /// set) without a usable record.
    @inline(never)
    mutating func loadDeviceParts() -> RecordedDeviceParts? {
        guard var record = store.load() else { return nil }
        var staticKey: EDHOCStaticKey? = nil
        do throws(EDHOCError) {
            staticKey = try record.makeStaticKey(crypto: &idleCrypto!)
        } catch {
            record.destroy()
            return nil
        }
        identity = record.identity()
        let parts = RecordedDeviceParts(staticKey: staticKey.take(), gatewayCredential: record.gatewayCredential,
                                        configuration: record.policy.deviceConfiguration)
        record.destroy()
        return parts
    }

    /// After a factory reset: the `Device`'s secrets wiped, its provider and sensor back here.
    @inline(never)
    mutating func stopDevice() {
        identity = nil
        guard let running = device.take() else { return }
        let parts = running.dismantle()
        idleCrypto = parts.crypto
        idleSensor = parts.sensor
    }
}

/// A `Device`'s ingredients from the provisioning record: the static key (its private key
/// is in there: `start` moves it into the `Device`, which destroys it), CRED_R, the policy.
struct RecordedDeviceParts: ~Copyable {
    var staticKey: EDHOCStaticKey?
    let gatewayCredential: EDHOCCredential
    let configuration: DeviceConfiguration
}

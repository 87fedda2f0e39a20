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
    // `@inline(never)` on the entry points: inlined into a board's main loop, their
    // temporaries (page buffers, records, messages) would all stay in its one stack frame.
    @inline(never)
    public init(crypto: consuming Crypto, sensor: Sensor, flash: consuming Flash,
                firmwareVersion: StaticString, nowMilliseconds: UInt64) {
        store = ProvisioningStore(flash: flash)
        responder = ProvisioningResponder(firmwareVersion: firmwareVersion)
        idleCrypto = crypto
        idleSensor = sensor
        if let record = store.load() {
            start(from: record, now: nowMilliseconds)
        }
    }

    /// `.unprovisioned`, `.provisioning` (a key pair offered, `provision` awaited), or the
    /// running `Device`'s phase.
    ///
    /// `mutating get`, like `counters` and `senderID`: reading through the optional in place
    /// (`device!`) needs exclusive access; a borrowing `switch` over it copied the whole
    /// `Device` into a temporary on the boards (a 2.5 KB stack frame).
    public var phase: DevicePhase {
        mutating get {
            device != nil ? device!.phase : (responder.hasPendingKey ? .provisioning : .unprovisioned)
        }
    }

    /// The `Device`'s counters; `DeviceCounters()` when there is none.
    public var counters: DeviceCounters {
        mutating get { device != nil ? device!.counters : DeviceCounters() }
    }

    /// The board's device-id once provisioned.
    public var deviceID: DeviceIdentifier? { identity?.deviceID }
    /// The kid the host assigned, once provisioned.
    public var keyID: ProvisioningKeyID? { identity?.keyID }
    /// The session's C_R (nil without a session).
    public var senderID: OSCOREIdentifier? {
        @inline(never) get {
            switch device {
            case .some(let running): running.senderID
            case .none: nil
            }
        }
    }
    /// The sequence number of the record in use.
    public var recordSequence: UInt32? { identity?.sequence }

    /// One received frame payload: provisioning (first byte 0x80...0x9F) or CoAP.
    @inline(never)
    public mutating func receive(_ payload: Span<UInt8>, nowMilliseconds now: UInt64) {
        guard !payload.isEmpty else { return }
        guard ProvisioningMessage.isProvisioning(firstByte: payload[0]) else {
            device?.receive(payload, nowMilliseconds: now)
            return
        }
        var result: ProvisioningResult
        if let identity {
            result = responder.respondProvisioned(to: payload, identity: identity, store: &store)
        } else if idleCrypto != nil {
            result = responder.respondUnprovisioned(to: payload, crypto: &idleCrypto!, store: &store)
        } else {
            return
        }
        pendingAnswer = result.answer
        if result.didFactoryReset { stopDevice() }
        if let record = result.savedRecord.take() { start(from: record, now: now) }
    }

    /// The next payload to frame and send: a pending provisioning answer first, then the
    /// Device's datagram. `output.count >= SerialFraming.maxPayloadByteCount`.
    @inline(never)
    public mutating func poll(nowMilliseconds now: UInt64, into output: inout MutableSpan<UInt8>) -> DevicePoll {
        if let answer = pendingAnswer {
            pendingAnswer = nil
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
            // Poll again at once: the device may have a datagram ready too.
            return DevicePoll(datagramByteCount: count, wakeAtMilliseconds: now)
        }
        guard device != nil else { return DevicePoll(datagramByteCount: 0, wakeAtMilliseconds: UInt64.max) }
        return device!.poll(nowMilliseconds: now, into: &output)
    }

    /// Ends the application: dismantles the `Device` (wiping its session secrets and static
    /// key) and wipes a pending key pair. Returns the last `Device`'s counters.
    public consuming func shutdown() -> DeviceCounters {
        responder.wipe()
        guard let running = device.take() else { return DeviceCounters() }
        return running.shutdown()
    }

    // MARK: Transitions

    /// Builds the `Device` from `record` and moves the crypto provider and the sensor into
    /// it. A record whose private key is not CRED_I's (damage the CRC missed) leaves the
    /// board unprovisioned.
    @inline(never)
    mutating func start(from record: consuming ProvisioningRecord, now: UInt64) {
        guard device == nil, idleCrypto != nil, idleSensor != nil else {
            record.destroy()
            return
        }
        var staticKey: EDHOCStaticKey? = nil
        do throws(EDHOCError) {
            staticKey = try record.staticKey(crypto: idleCrypto!)
        } catch {
            staticKey = nil
        }
        guard let key = staticKey.take(), let crypto = idleCrypto.take(), let sensor = idleSensor.take() else {
            record.destroy()
            return
        }
        identity = ProvisionedIdentity(record: record)
        // The record guarantees CRED_R's suite is the key's: the checked initializer.
        device = Device(checkedCrypto: crypto, sensor: sensor, staticKey: key,
                        gatewayCredential: record.gatewayCredential,
                        configuration: record.policy.deviceConfiguration, nowMilliseconds: now)
        record.destroy()
    }

    /// After a factory reset: the `Device`'s secrets wiped, its provider and sensor back here.
    mutating func stopDevice() {
        identity = nil
        guard let running = device.take() else { return }
        let parts = running.dismantle()
        idleCrypto = parts.crypto
        idleSensor = parts.sensor
    }
}

import RampartCrypto
import RampartDevice
import RampartGateway
import RampartHostCrypto
import RampartLedger
import RampartProtocol
import RampartRegistry

/// The host side of docs/provisioning.md over one board's serial link:
///
///     status → (factory-reset → reset-done) → hello → offer → provision → done → register
///
/// The board's private key never leaves it; the host gives it a seed (mixed into its key
/// generation), its kid, CRED_R and its policy, then checks that the CRED_I it reports is
/// the offered key with the assigned kid before it enters the registry. Nothing is
/// registered before `done`: a board that resets or dies mid-write keeps its previous state
/// (docs/provisioning.md "The record in flash"), and a run that ends without `done` leaves
/// the registry as it was.
///
/// Everything is checked that can be before the board is changed: the suite against the
/// firmware's, a requested kid against the registry. Only then does a factory reset (if
/// asked for) destroy the board's old identity.
public struct ProvisioningSession {
    let link: SerialFrameLink
    let gateway: GatewayContext
    let request: ProvisioningRequest
    let sodium: Sodium

    public init(link: SerialFrameLink, gateway: GatewayContext, request: ProvisioningRequest) throws(ProvisioningError) {
        try request.validate()
        guard gateway.suite == request.suite else {
            throw .invalidRequest("the gateway credential is for suite \(gateway.suite), the request for \(request.suite)")
        }
        do { sodium = try Sodium() } catch { throw .invalidRequest("libsodium could not be initialised (\(error))") }
        self.link = link
        self.gateway = gateway
        self.request = request
    }

    /// Runs the exchange to its end.
    ///
    /// - Throws: `ProvisioningError`; `.notConfirmed` when `done` never came.
    public func run() throws(ProvisioningError) -> ProvisionedBoard {
        link.discardInput()
        let report = try requestStatus()
        var removedKid: [UInt8]? = nil
        if report.isProvisioned {
            guard request.factoryReset else { return try adopt(report) }
            // Checked before the reset destroys anything. The board's own kid may be asked
            // for again when its registration is the board's (the reset removes it).
            try checkSuite(report)
            if let keyID = request.keyID, try !isRegistration(of: report, keyID: keyID) { try checkFree(keyID) }
            removedKid = try factoryReset(report)
        } else {
            try checkSuite(report)
        }
        let keyID: [UInt8]
        if let requested = request.keyID {
            try checkFree(requested)
            keyID = requested
        } else {
            keyID = try freshKeyID()
        }
        let offer = try hello()
        let previousState = report.isProvisioned
            ? "unprovisioned: the factory reset already erased its old record" : "unprovisioned"
        let credential = try provision(offer: offer, keyID: keyID, previousState: previousState)
        let record = DeviceRecord(kid: keyID, credential: credential, suites: [request.suite],
                                  policy: request.devicePolicy, label: request.label)
        do {
            try gateway.registry.add(record)
        } catch {
            throw .registry("the board is provisioned with kid \(keyID.hexString), but registering it failed (\(error)); "
                            + "run `rampart provision` again to adopt it")
        }
        let data = RegistrationSummary.registrationData(record, extra: [
            ("device_id", .bytes(Array(offer.deviceID.hexString.utf8))), ("firmware", .text(offer.firmware.text)),
        ])
        let summary = RegistrationSummary(record: record, registrationData: data, tool: "rampart provision",
                                          reason: report.isProvisioned ? "provisioned after a factory reset" : "provisioned")
        do {
            try EmbeddedLedger.recordNow([summary.pendingEntry(time: LedgerClock.nowMilliseconds())],
                                         dataDirectory: gateway.dataDirectory)
        } catch {
            throw .registry("the board is provisioned and registered with kid \(keyID.hexString), but the ledger could not "
                            + "record it (\(error)); check the data directory and run `rampart ledger verify`")
        }
        return result(.provisioned, deviceID: offer.deviceID.hexString, keyID: keyID, credential: credential,
                      firmware: offer.firmware.text, firmwareSuites: offer.suites.array, factoryReset: report.isProvisioned,
                      removedKid: removedKid, policy: .init(request.policy))
    }

    // MARK: Steps

    /// `status` until a `status-report` comes. A report answering any of the `status`
    /// requests sent in this loop counts: `status` changes nothing, so a board slower than
    /// one attempt's wait is still heard.
    func requestStatus() throws(ProvisioningError) -> ProvisioningStatusReport {
        var sent: [ProvisioningNonce] = []
        let attempts = request.timing.statusAttempts
        for _ in 0..<attempts {
            let nonce = freshNonce()
            sent.append(nonce)
            try send(.status(nonce: nonce))
            let answer = try receiveAnswer(step: "status", seconds: request.timing.statusAttemptSeconds) { nonce in
                sent.contains { $0.bytesEqual(nonce) }
            }
            switch answer {
            case nil: continue
            case .statusReport(let report): return report
            case .error(_, let code, let diagnostic)?: throw .refused(step: "status", code: code, diagnostic: diagnostic.text)
            case let other?: throw .unexpectedAnswer(step: "status", answer: Self.name(other))
            }
        }
        throw .noAnswer(path: link.path, attempts: attempts,
                        seconds: Double(attempts) * request.timing.statusAttemptSeconds)
    }

    /// A board that is provisioned, and no factory reset was asked for: registered already,
    /// or registered now from its status report.
    func adopt(_ report: ProvisioningStatusReport) throws(ProvisioningError) -> ProvisionedBoard {
        let keyID = report.keyID.array
        let credential = report.credential.array
        let deviceID = report.deviceID?.hexString ?? ""
        let registered: DeviceRecord?
        do { registered = try gateway.registry.device(kid: keyID) } catch { throw .registry("\(error)") }
        if let registered {
            guard registered.credential == credential else { throw .keyIDConflict(kid: keyID) }
            return result(.alreadyRegistered, deviceID: deviceID, keyID: keyID, credential: credential,
                          firmware: report.firmware.text, firmwareSuites: report.suites.array, factoryReset: false,
                          removedKid: nil, policy: nil, group: registered.policy.group, label: registered.label)
        }
        let parsed: EDHOCCredential
        do { parsed = try EDHOCCredential(ccs: credential.span) } catch {
            throw .credentialMismatch("the credential in its status report is not a CCS with a COSE_Key (\(error))")
        }
        guard parsed.keyID.bytesEqual(keyID) else {
            throw .credentialMismatch("its status report names kid \(keyID.hexString) but its credential another")
        }
        let record = DeviceRecord(kid: keyID, credential: credential, suites: [parsed.suite.rawValue],
                                  policy: request.devicePolicy, label: request.label)
        do { try gateway.registry.add(record) } catch { throw .registry("\(error)") }
        return result(.adopted, deviceID: deviceID, keyID: keyID, credential: credential, firmware: report.firmware.text,
                      firmwareSuites: report.suites.array, factoryReset: false, removedKid: nil, policy: nil,
                      suite: parsed.suite.rawValue)
    }

    /// `factory-reset` naming the board's device-id, then removes the board's old
    /// registration if the registry holds its kid with the credential the board had (a
    /// kid registered for another credential belongs to someone else and stays).
    /// Returns the removed kid.
    func factoryReset(_ report: ProvisioningStatusReport) throws(ProvisioningError) -> [UInt8]? {
        guard let deviceID = report.deviceID else {
            throw .unexpectedAnswer(step: "status", answer: "a provisioned status-report without a device-id")
        }
        let nonce = freshNonce()
        try send(.factoryReset(nonce: nonce, deviceID: deviceID))
        switch try receiveAnswer(step: "factory-reset", seconds: request.timing.answerSeconds, { $0.bytesEqual(nonce) }) {
        case .resetDone?: break
        case .error(_, let code, let diagnostic)?:
            throw .refused(step: "factory-reset", code: code, diagnostic: diagnostic.text)
        case let other?: throw .unexpectedAnswer(step: "factory-reset", answer: Self.name(other))
        case nil: throw .stepTimedOut(step: "factory-reset", seconds: request.timing.answerSeconds)
        }
        let oldKeyID = report.keyID.array
        do {
            guard try isRegistration(of: report, keyID: oldKeyID) else { return nil }
            return try gateway.registry.remove(kid: oldKeyID) ? oldKeyID : nil
        } catch {
            throw .registry("the board was factory-reset, but its old registration (kid \(oldKeyID.hexString)) "
                            + "could not be removed (\(error)); remove it by hand")
        }
    }

    /// `hello` with a fresh seed; the board answers with the public key it generated.
    func hello() throws(ProvisioningError) -> ProvisioningOffer {
        let nonce = freshNonce()
        var seed = Bytes32.zero
        do {
            var span = seed.mutableSpan
            sodium.randomBytes(into: &span)
        }
        let sent: Result<Void, ProvisioningError>
        do throws(ProvisioningError) {
            try send(.hello(nonce: nonce, seed: seed, suite: request.suite))
            sent = .success(())
        } catch {
            sent = .failure(error)
        }
        seed.wipe()
        try sent.get()
        switch try receiveAnswer(step: "hello", seconds: request.timing.answerSeconds, { $0.bytesEqual(nonce) }) {
        case .offer(let offer)?:
            guard offer.suite == request.suite else {
                throw .unexpectedAnswer(step: "hello", answer: "an offer of a suite-\(offer.suite) key "
                                        + "(suite \(request.suite) was asked for)")
            }
            return offer
        case .error(_, let code, let diagnostic)?: throw .refused(step: "hello", code: code, diagnostic: diagnostic.text)
        case let other?: throw .unexpectedAnswer(step: "hello", answer: Self.name(other))
        case nil: throw .stepTimedOut(step: "hello", seconds: request.timing.answerSeconds)
        }
    }

    /// `provision` in the session `hello` opened (same nonce: the board refuses any other);
    /// returns CRED_I from `done`, checked to carry the offered key and the assigned kid.
    func provision(offer: ProvisioningOffer, keyID: [UInt8],
                   previousState: String) throws(ProvisioningError) -> [UInt8] {
        let nonce = offer.nonce
        let gatewayCredential = try CredentialStorage(gateway.gatewayCredential, what: "the gateway credential")
        try send(.provision(nonce: nonce, keyID: try ProvisioningKeyID(keyID, what: "the kid"),
                            gatewayCredential: gatewayCredential, policy: request.policy))
        let answer: ProvisioningMessage?
        do {
            answer = try receiveAnswer(step: "provision", seconds: request.timing.confirmationSeconds, { $0.bytesEqual(nonce) })
        } catch {
            // The port went away mid-write (a reset by the probe, an unplugged board): the
            // same as no `done`.
            throw .notConfirmed(previousState: previousState, seconds: request.timing.confirmationSeconds)
        }
        switch answer {
        case .done(_, let credential)?:
            let bytes = credential.array
            try Self.check(credential: bytes, offer: offer, keyID: keyID)
            return bytes
        case .error(_, let code, let diagnostic)?:
            throw .refused(step: "provision", code: code, diagnostic: diagnostic.text)
        case let other?:
            throw .unexpectedAnswer(step: "provision", answer: Self.name(other))
        case nil:
            throw .notConfirmed(previousState: previousState, seconds: request.timing.confirmationSeconds)
        }
    }

    /// CRED_I must parse, and carry the offered public key, its suite and the assigned kid:
    /// otherwise the registry would hold a credential for a key the board does not have, or
    /// under a kid the gateway would look up in vain.
    static func check(credential: [UInt8], offer: ProvisioningOffer, keyID: [UInt8]) throws(ProvisioningError) {
        let parsed: EDHOCCredential
        do { parsed = try EDHOCCredential(ccs: credential.span) } catch {
            throw .credentialMismatch("it is not a CCS with a COSE_Key (\(error))")
        }
        guard parsed.keyID.bytesEqual(keyID) else {
            throw .credentialMismatch("its kid is not the assigned \(keyID.hexString)")
        }
        guard parsed.suite.rawValue == offer.suite else {
            throw .credentialMismatch("its key is for suite \(parsed.suite.rawValue), the offer for \(offer.suite)")
        }
        guard parsed.publicKey.bytesEqual(offer.x) else {
            throw .credentialMismatch("its public key is not the one offered")
        }
    }

    // MARK: Checks before changing anything

    func checkSuite(_ report: ProvisioningStatusReport) throws(ProvisioningError) {
        guard report.suites.contains(request.suite) else {
            throw .unsupportedSuite(requested: request.suite, firmwareSuites: report.suites.array)
        }
    }

    /// Whether `keyID` is the provisioned board's kid and registered with the board's CRED_I.
    func isRegistration(of report: ProvisioningStatusReport, keyID: [UInt8]) throws(ProvisioningError) -> Bool {
        guard keyID == report.keyID.array else { return false }
        let registered: DeviceRecord?
        do { registered = try gateway.registry.device(kid: keyID) } catch { throw .registry("\(error)") }
        return registered?.credential == report.credential.array
    }

    func checkFree(_ keyID: [UInt8]) throws(ProvisioningError) {
        let existing: DeviceRecord?
        do { existing = try gateway.registry.device(kid: keyID) } catch { throw .registry("\(error)") }
        guard existing == nil else { throw .keyIDTaken(kid: keyID) }
    }

    /// A random kid no registered device has.
    func freshKeyID() throws(ProvisioningError) -> [UInt8] {
        var keyID = [UInt8](repeating: 0, count: ProvisioningRequest.randomKeyIDByteCount)
        repeat {
            var span = keyID.mutableSpan
            sodium.randomBytes(into: &span)
        } while try isRegistered(keyID)
        return keyID
    }

    func isRegistered(_ keyID: [UInt8]) throws(ProvisioningError) -> Bool {
        do { return try gateway.registry.device(kid: keyID) != nil } catch { throw .registry("\(error)") }
    }

    // MARK: Messages

    func freshNonce() -> ProvisioningNonce {
        var nonce = ProvisioningNonce(repeating: 0)
        var span = nonce.mutableSpan
        sodium.randomBytes(into: &span)
        return nonce
    }

    /// Encodes and sends `message`; the encoding buffer is wiped (a `hello` carries the seed).
    func send(_ message: ProvisioningMessage) throws(ProvisioningError) {
        var buffer = [UInt8](repeating: 0, count: ProvisioningMessage.maxByteCount)
        defer { SerialFrameLink.wipe(&buffer) }
        var count = 0
        do {
            var writer = ByteWriter(buffer.mutableSpan)
            try message.write(into: &writer)
            count = writer.count
        } catch {
            throw .invalidRequest("the \(Self.name(message)) message could not be encoded (\(error))")
        }
        try link.send(buffer.span.extracting(0..<count))
    }

    /// The first provisioning message whose nonce `accepts`, or nil at the deadline. CoAP
    /// frames (a provisioned board talking to the gateway), frames that do not parse and
    /// answers to other exchanges are skipped.
    func receiveAnswer(step: String, seconds: Double,
               _ accepts: (ProvisioningNonce) -> Bool) throws(ProvisioningError) -> ProvisioningMessage? {
        let deadline = ContinuousClock.now + .milliseconds(Int64((seconds * 1000).rounded(.up)))
        while let payload = try link.receive(before: deadline) {
            guard let first = payload.first, ProvisioningMessage.isProvisioning(firstByte: first) else { continue }
            let message: ProvisioningMessage
            do { message = try ProvisioningMessage(parsing: payload.span) } catch { continue }
            if accepts(message.nonce) { return message }
        }
        return nil
    }

    static func name(_ message: ProvisioningMessage) -> String {
        switch message.type {
        case .hello: "hello"
        case .offer: "offer"
        case .provision: "provision"
        case .done: "done"
        case .error: "error"
        case .status: "status"
        case .statusReport: "status-report"
        case .factoryReset: "factory-reset"
        case .resetDone: "reset-done"
        }
    }

    // MARK: Result

    func result(_ outcome: ProvisioningOutcome, deviceID: String, keyID: [UInt8], credential: [UInt8], firmware: String,
                firmwareSuites: [Int32], factoryReset: Bool, removedKid: [UInt8]?, policy: ProvisionedBoard.Policy?,
                suite: Int32? = nil, group: String? = nil, label: String? = nil) -> ProvisionedBoard {
        ProvisionedBoard(port: link.path, outcome: outcome, deviceID: deviceID, kid: keyID.hexString,
                           suite: suite ?? (try? CredentialIdentity(ccs: credential).suite) ?? request.suite,
                           firmware: firmware, firmwareSuites: firmwareSuites, credential: credential.hexString,
                           factoryReset: factoryReset, removedKid: removedKid?.hexString, policy: policy,
                           group: group ?? request.group, label: label ?? request.label,
                           registry: gateway.registry.path)
    }
}

extension EDHOCIdentifier {
    func bytesEqual(_ bytes: [UInt8]) -> Bool {
        guard count == bytes.count else { return false }
        for i in 0..<count where self[i] != bytes[i] { return false }
        return true
    }
}

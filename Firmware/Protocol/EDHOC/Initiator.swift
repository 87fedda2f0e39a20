import RampartCrypto

// The Initiator as typestate (RFC 9528 §5, lakers' shape): each state is its own
// non-copyable type and every transition consumes it, so a message cannot be processed twice
// or out of order. Each transition zeroes the secrets of the state it consumes, on success
// and on failure; a session given up between messages ends with `abort()`, which does the
// same. (Swift runs a non-copyable struct's deinit on an immutable value, so wiping cannot
// happen there; a state simply dropped leaves its copy of the secrets on the stack.)
// The transitions live in the file of the message they handle (Message1.swift …).

/// Start: the Initiator's configuration, before message_1.
public struct EDHOCInitiator: ~Copyable {
    /// SUITES_I: preferred suites first, the selected suite last (§5.2.2).
    public let suites: EDHOCSuites
    let suite: EDHOCCipherSuite
    /// C_I.
    public let connectionID: EDHOCIdentifier

    /// Throws `.unsupportedCipherSuite` if the selected (last) suite is not 0 or 2.
    public init(suites: EDHOCSuites, connectionID: EDHOCIdentifier) throws(EDHOCError) {
        guard let selected = suites.selected, let suite = EDHOCCipherSuite(rawValue: selected) else {
            throw .unsupportedCipherSuite
        }
        self.suites = suites
        self.suite = suite
        self.connectionID = connectionID
    }
}

/// message_1 sent; waiting for message_2.
public struct EDHOCInitiatorWaitM2: ~Copyable {
    let suite: EDHOCCipherSuite
    var x: Bytes32
    let hashMessage1: Bytes32
    public let connectionID: EDHOCIdentifier

    /// Zeroes the secrets this state holds (every transition does so as it consumes it).
    mutating func wipeSecrets() { x.wipe() }
}

/// message_2 decrypted; the application looks up CRED_R by `peerKeyID` and calls
/// `verifyMessage2`.
public struct EDHOCInitiatorProcessingM2: ~Copyable {
    let suite: EDHOCCipherSuite
    var x: Bytes32
    let gY: Bytes32
    let th2: Bytes32
    var salt3e2m: Bytes32
    var plaintext2: PlaintextStorage
    let mac2: InlineArray<8, UInt8>
    let ead2Range: Range<Int>
    public let connectionID: EDHOCIdentifier
    /// C_R, from PLAINTEXT_2.
    public let peerConnectionID: EDHOCIdentifier
    /// The kid of ID_CRED_R, from PLAINTEXT_2.
    public let peerKeyID: EDHOCIdentifier

    /// EAD_2 as received (already checked against the critical-item rule).
    public var ead2: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get {
            let all = plaintext2.span
            return _overrideLifetime(all.extracting(ead2Range), borrowing: self)
        }
    }

    /// Zeroes the secrets this state holds (every transition does so as it consumes it).
    mutating func wipeSecrets() {
        x.wipe()
        salt3e2m.wipe()
        plaintext2.removeAll()
    }
}

/// message_2 verified; ready to send message_3.
public struct EDHOCInitiatorProcessedM2: ~Copyable {
    let suite: EDHOCCipherSuite
    var prk3e2m: Bytes32
    var prk4e3m: Bytes32
    let th3: Bytes32
    public let connectionID: EDHOCIdentifier
    public let peerConnectionID: EDHOCIdentifier
    public let peerKeyID: EDHOCIdentifier

    /// Zeroes the secrets this state holds (every transition does so as it consumes it).
    mutating func wipeSecrets() {
        prk3e2m.wipe()
        prk4e3m.wipe()
    }
}

extension EDHOCInitiatorWaitM2 {
    /// Ends the session here (an error, a timeout), zeroing its secrets.
    public consuming func abort() { wipeSecrets() }
}

extension EDHOCInitiatorProcessingM2 {
    /// Ends the session here (an error, a timeout), zeroing its secrets.
    public consuming func abort() { wipeSecrets() }
}

extension EDHOCInitiatorProcessedM2 {
    /// Ends the session here (an error, a timeout), zeroing its secrets.
    public consuming func abort() { wipeSecrets() }
}

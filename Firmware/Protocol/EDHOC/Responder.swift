import RampartCrypto

// The Responder as typestate (see Initiator.swift). The transitions live in the file of
// the message they handle.

/// The Responder's configuration: reusable for every session (`processMessage1` borrows it),
/// so a gateway keeps one.
public struct EDHOCResponder: Sendable {
    /// The suites this Responder supports (sent as SUITES_R when negotiation fails).
    public let supportedSuites: EDHOCSuites
    /// C_R.
    public let connectionID: EDHOCIdentifier

    public init(supportedSuites: EDHOCSuites, connectionID: EDHOCIdentifier) throws(EDHOCError) {
        for i in 0..<supportedSuites.count where EDHOCCipherSuite(rawValue: supportedSuites[i]) == nil {
            throw .unsupportedCipherSuite
        }
        guard supportedSuites.count > 0 else { throw .unsupportedCipherSuite }
        self.supportedSuites = supportedSuites
        self.connectionID = connectionID
    }
}

/// message_1 accepted; the application may read EAD_1 and then sends message_2.
public struct EDHOCResponderProcessingM1: ~Copyable {
    let suite: EDHOCCipherSuite
    let gX: Bytes32
    let hashMessage1: Bytes32
    let ead1Storage: EADStorage
    /// C_R.
    public let connectionID: EDHOCIdentifier
    /// C_I, from message_1.
    public let peerConnectionID: EDHOCIdentifier
    /// The selected cipher suite.
    public var selectedSuite: Int32 { suite.rawValue }

    /// EAD_1 as received (already checked against the critical-item rule).
    public var ead1: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get {
            let all = ead1Storage.span
            return _overrideLifetime(all, borrowing: self)
        }
    }
}

/// message_2 sent; waiting for message_3. Keeps message_2 to answer a retransmitted
/// message_1 with the same message_2 (RFC 9528 §A.2 and "EDHOC message deduplication").
public struct EDHOCResponderWaitM3: ~Copyable, Sendable {
    let suite: EDHOCCipherSuite
    var y: Bytes32
    var prk3e2m: Bytes32
    let th3: Bytes32
    let hashMessage1: Bytes32
    public let message2: Message2Storage
    public let connectionID: EDHOCIdentifier
    public let peerConnectionID: EDHOCIdentifier

    /// Zeroes the secrets this state holds (every transition does so as it consumes it).
    mutating func wipeSecrets() {
        y.wipe()
        prk3e2m.wipe()
    }
}

/// message_3 decrypted; the application looks up CRED_I by `peerKeyID` and calls
/// `verifyMessage3`.
public struct EDHOCResponderProcessingM3: ~Copyable {
    let suite: EDHOCCipherSuite
    var y: Bytes32
    var prk3e2m: Bytes32
    let th3: Bytes32
    var plaintext3: PlaintextStorage
    let mac3: InlineArray<8, UInt8>
    let ead3Range: Range<Int>
    public let connectionID: EDHOCIdentifier
    public let peerConnectionID: EDHOCIdentifier
    /// The kid of ID_CRED_I, from PLAINTEXT_3.
    public let peerKeyID: EDHOCIdentifier

    /// EAD_3 as received (already checked against the critical-item rule).
    public var ead3: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get {
            let all = plaintext3.span
            return _overrideLifetime(all.extracting(ead3Range), borrowing: self)
        }
    }

    /// Zeroes the secrets this state holds (every transition does so as it consumes it).
    mutating func wipeSecrets() {
        y.wipe()
        prk3e2m.wipe()
        plaintext3.removeAll()
    }
}

extension EDHOCResponderWaitM3 {
    /// Ends the session here (an error, a timeout), zeroing its secrets.
    public consuming func abort() { wipeSecrets() }
}

extension EDHOCResponderProcessingM3 {
    /// Ends the session here (an error, a timeout), zeroing its secrets.
    public consuming func abort() { wipeSecrets() }
}

/// One leaf of the log (docs/ledger.md, "Entries"): an entry as its writer signed it.
///
///     SignedEntry = [index, time, gateway, type, body, signature]
///     ToBeSigned  = ["rampart-ledger-entry/1", index, time, gateway, type, body]
///
/// The leaf input of RFC 9162 is `encoded`; the index is inside the signature, so an entry
/// moved to another position no longer verifies there.
public struct SignedEntry: Sendable, Equatable {
    /// The first item of `ToBeSigned`; a new body field needs a new version here.
    public static let signingContext = "rampart-ledger-entry/1"
    /// Bytes of an Ed25519 signature.
    public static let signatureByteCount = 64
    /// Largest encoded body accepted: summaries are a few hundred bytes.
    public static let maxBodyByteCount = 1 << 16

    public let index: UInt64
    /// Milliseconds since the epoch, when the writer created the entry.
    public let time: UInt64
    public let gateway: GatewayID
    public let type: EntryType
    public let body: CBORValue
    public let signature: [UInt8]
    /// `body` encoded canonically, computed once: both `toBeSigned` and `encoded` embed it.
    let bodyBytes: [UInt8]

    /// An entry from its fields (the body is encoded canonically; it is not validated here:
    /// `decode` and `LedgerStore.append` do that).
    public init(index: UInt64, time: UInt64, gateway: GatewayID, type: EntryType, body: CBORValue, signature: [UInt8]) {
        self.init(index: index, time: time, gateway: gateway, type: type, body: body, bodyBytes: body.encoded(),
                  signature: signature)
    }

    init(index: UInt64, time: UInt64, gateway: GatewayID, type: EntryType, body: CBORValue, bodyBytes: [UInt8],
         signature: [UInt8]) {
        self.index = index
        self.time = time
        self.gateway = gateway
        self.type = type
        self.body = body
        self.bodyBytes = bodyBytes
        self.signature = signature
    }

    /// `pending` as entry `index`, written and signed by `signer`. (Blocks are made by
    /// `LedgerStore.makeBlock` and `seal`, which sign in parallel; this is for single entries.)
    public static func signed(_ pending: PendingEntry, index: UInt64, signer: LedgerSigner) -> SignedEntry {
        let bodyBytes = pending.body.encoded()
        let toBeSigned = toBeSigned(index: index, time: pending.time, gateway: signer.gatewayID, type: pending.type,
                                    bodyBytes: bodyBytes)
        return SignedEntry(index: index, time: pending.time, gateway: signer.gatewayID, type: pending.type,
                           body: pending.body, bodyBytes: bodyBytes, signature: signer.sign(toBeSigned))
    }

    /// The bytes the signature covers.
    public var toBeSigned: [UInt8] {
        Self.toBeSigned(index: index, time: time, gateway: gateway, type: type, bodyBytes: bodyBytes)
    }

    static func toBeSigned(index: UInt64, time: UInt64, gateway: GatewayID, type: EntryType,
                           bodyBytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bodyBytes.count + 64)
        CBORValue.appendHead(major: 4, argument: 6, to: &output)
        LedgerFormatSupport.appendTextString(signingContext, to: &output)
        CBORValue.appendHead(major: 0, argument: index, to: &output)
        CBORValue.appendHead(major: 0, argument: time, to: &output)
        LedgerFormatSupport.appendByteString(gateway.bytes, to: &output)
        CBORValue.appendHead(major: 0, argument: type.rawValue, to: &output)
        output.append(contentsOf: bodyBytes)
        return output
    }

    /// The signed entry as stored and hashed: the leaf input `D[index]`.
    public var encoded: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bodyBytes.count + 96)
        CBORValue.appendHead(major: 4, argument: 6, to: &output)
        CBORValue.appendHead(major: 0, argument: index, to: &output)
        CBORValue.appendHead(major: 0, argument: time, to: &output)
        LedgerFormatSupport.appendByteString(gateway.bytes, to: &output)
        CBORValue.appendHead(major: 0, argument: type.rawValue, to: &output)
        output.append(contentsOf: bodyBytes)
        LedgerFormatSupport.appendByteString(signature, to: &output)
        return output
    }

    /// `SHA-256(0x00 || encoded)`.
    public var leafHash: LedgerHash { MerkleHashing.leafHash(encoded) }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `toBeSigned`.
    public func isSigned(by publicKey: [UInt8]) -> Bool {
        LedgerSignatures.isValid(signature, for: toBeSigned, publicKey: publicKey)
    }

    /// Decodes an entry strictly: canonical CBOR, the six fields with their types, a known
    /// type and a body with exactly that type's keys.
    public static func decode(_ bytes: [UInt8]) throws(LedgerFormatError) -> SignedEntry {
        let items = try LedgerFormatSupport.decodeArray(bytes, count: 6, item: "signed entry")
        let fields = try Fields(items)
        // The body's canonical bytes are where they sit in `bytes` (strict decoding means
        // re-encoding would give the same): after the four fields before it, and before the
        // signature's 2-byte head and 64 bytes.
        let bodyStart = 1 + LedgerFormatSupport.headByteCount(fields.index) + LedgerFormatSupport.headByteCount(fields.time)
            + 1 + GatewayID.byteCount + LedgerFormatSupport.headByteCount(fields.type.rawValue)
        let bodyEnd = bytes.count - 2 - signatureByteCount
        return SignedEntry(index: fields.index, time: fields.time, gateway: fields.gateway, type: fields.type,
                           body: fields.body, bodyBytes: Array(bytes[bodyStart ..< bodyEnd]), signature: fields.signature)
    }

    /// Decodes an entry from an already-decoded CBOR value (an item of a block).
    static func decode(cbor value: CBORValue) throws(LedgerFormatError) -> SignedEntry {
        let fields = try Fields(try LedgerFormatSupport.array(value, count: 6, item: "signed entry"))
        return SignedEntry(index: fields.index, time: fields.time, gateway: fields.gateway, type: fields.type,
                           body: fields.body, bodyBytes: fields.body.encoded(), signature: fields.signature)
    }

    /// The six fields, checked.
    private struct Fields {
        let index: UInt64
        let time: UInt64
        let gateway: GatewayID
        let type: EntryType
        let body: CBORValue
        let signature: [UInt8]

        init(_ items: [CBORValue]) throws(LedgerFormatError) {
            let item = "signed entry"
            index = try LedgerFormatSupport.unsigned(items[0], "index", item: item)
            time = try LedgerFormatSupport.unsigned(items[1], "time", item: item)
            gateway = GatewayID(bytes: try LedgerFormatSupport.bytes(items[2], "gateway", count: GatewayID.byteCount,
                                                                     item: item))!
            let rawType = try LedgerFormatSupport.unsigned(items[3], "type", item: item)
            guard let type = EntryType(rawValue: rawType) else { throw .unknownEntryType(rawType) }
            self.type = type
            body = items[4]
            try EntryBodySchema.validate(body, as: type)
            signature = try LedgerFormatSupport.bytes(items[5], "signature", count: SignedEntry.signatureByteCount, item: item)
        }
    }

    /// Equal when their encodings are equal (a body compares by its canonical bytes).
    public static func == (lhs: SignedEntry, rhs: SignedEntry) -> Bool {
        lhs.index == rhs.index && lhs.time == rhs.time && lhs.gateway == rhs.gateway && lhs.type == rhs.type
            && lhs.bodyBytes == rhs.bodyBytes && lhs.signature == rhs.signature
    }
}

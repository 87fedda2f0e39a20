/// The signed tree head that closes a block (docs/ledger.md, "Blocks and tree heads"):
///
///     TreeHead = [block, tree_size, root, time, gateway, signature]
///     signed:    ["rampart-ledger-tree-head/1", block, tree_size, root, time, gateway]
///
/// `root` is MTH(D[0:tree_size]) (RFC 9162 §2.1.1): a head commits to every entry before it,
/// so two gateways holding heads of one size with different roots hold a forked log.
public struct TreeHead: Sendable, Equatable {
    public static let signingContext = "rampart-ledger-tree-head/1"

    /// Block number, 0-based, consecutive.
    public let block: UInt64
    /// Entries in the log after this block.
    public let treeSize: UInt64
    public let root: LedgerHash
    /// Milliseconds since the epoch, when the block was sealed.
    public let time: UInt64
    /// The sealer, which also wrote every entry of the block.
    public let gateway: GatewayID
    public let signature: [UInt8]

    public init(block: UInt64, treeSize: UInt64, root: LedgerHash, time: UInt64, gateway: GatewayID, signature: [UInt8]) {
        self.block = block
        self.treeSize = treeSize
        self.root = root
        self.time = time
        self.gateway = gateway
        self.signature = signature
    }

    /// The head over `root` for a log of `treeSize` entries after block `block`, signed by
    /// `signer` (its sealer).
    public static func signed(block: UInt64, treeSize: UInt64, root: LedgerHash, time: UInt64,
                              signer: LedgerSigner) -> TreeHead {
        let gateway = signer.gatewayID
        let signature = signer.sign(toBeSigned(block: block, treeSize: treeSize, root: root, time: time, gateway: gateway))
        return TreeHead(block: block, treeSize: treeSize, root: root, time: time, gateway: gateway, signature: signature)
    }

    /// The bytes the signature covers.
    public var toBeSigned: [UInt8] {
        Self.toBeSigned(block: block, treeSize: treeSize, root: root, time: time, gateway: gateway)
    }

    static func toBeSigned(block: UInt64, treeSize: UInt64, root: LedgerHash, time: UInt64, gateway: GatewayID) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(96)
        CBORValue.appendHead(major: 4, argument: 6, to: &output)
        LedgerFormatSupport.appendTextString(signingContext, to: &output)
        CBORValue.appendHead(major: 0, argument: block, to: &output)
        CBORValue.appendHead(major: 0, argument: treeSize, to: &output)
        LedgerFormatSupport.appendByteString(root.bytes, to: &output)
        CBORValue.appendHead(major: 0, argument: time, to: &output)
        LedgerFormatSupport.appendByteString(gateway.bytes, to: &output)
        return output
    }

    public var encoded: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(144)
        CBORValue.appendHead(major: 4, argument: 6, to: &output)
        CBORValue.appendHead(major: 0, argument: block, to: &output)
        CBORValue.appendHead(major: 0, argument: treeSize, to: &output)
        LedgerFormatSupport.appendByteString(root.bytes, to: &output)
        CBORValue.appendHead(major: 0, argument: time, to: &output)
        LedgerFormatSupport.appendByteString(gateway.bytes, to: &output)
        LedgerFormatSupport.appendByteString(signature, to: &output)
        return output
    }

    /// Whether `signature` is `publicKey`'s Ed25519 signature of `toBeSigned`.
    public func isSigned(by publicKey: [UInt8]) -> Bool {
        LedgerSignatures.isValid(signature, for: toBeSigned, publicKey: publicKey)
    }

    /// Decodes a tree head strictly.
    public static func decode(_ bytes: [UInt8]) throws(LedgerFormatError) -> TreeHead {
        try decode(items: try LedgerFormatSupport.decodeArray(bytes, count: 6, item: "tree head"))
    }

    static func decode(cbor value: CBORValue) throws(LedgerFormatError) -> TreeHead {
        try decode(items: try LedgerFormatSupport.array(value, count: 6, item: "tree head"))
    }

    private static func decode(items: [CBORValue]) throws(LedgerFormatError) -> TreeHead {
        let item = "tree head"
        let root = try LedgerFormatSupport.bytes(items[2], "root", count: LedgerHash.byteCount, item: item)
        let gateway = try LedgerFormatSupport.bytes(items[4], "gateway", count: GatewayID.byteCount, item: item)
        return TreeHead(block: try LedgerFormatSupport.unsigned(items[0], "block", item: item),
                        treeSize: try LedgerFormatSupport.unsigned(items[1], "tree_size", item: item),
                        root: LedgerHash(bytes: root)!,
                        time: try LedgerFormatSupport.unsigned(items[3], "time", item: item),
                        gateway: GatewayID(bytes: gateway)!,
                        signature: try LedgerFormatSupport.bytes(items[5], "signature", count: SignedEntry.signatureByteCount,
                                                                 item: item))
    }
}

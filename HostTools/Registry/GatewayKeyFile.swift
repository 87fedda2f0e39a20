import RampartCrypto
import RampartHostCrypto
import RampartProtocol

/// The contents of a gateway key file (`gateway-suite0.key`, `gateway-suite2.key`): one CBOR
/// map (RFC 8949) with text keys, so `cbor2diag` or any CBOR tool shows what it holds:
///
///     { "format": "rampart-gateway-key", "version": 1, "suite": 0 / 2,
///       "credential": h'…CCS…',                       ; CRED_R, public
///       "private_key": h'…32 bytes…' }                ; when not sealed
///     or
///       "nonce": h'…24 bytes…', "sealed_private_key": h'…48 bytes…' }
///                                                     ; crypto_secretbox_easy(key, nonce)
///
/// Binary rather than text so that the private key only ever sits in byte buffers that are
/// wiped, never in a `String`.
struct GatewayKeyFile {
    static let format = "rampart-gateway-key"
    static let version: UInt32 = 1
    /// Largest file accepted: a credential (≤ 128), a sealed key and the labels fit in 320.
    static let maxByteCount = 512
    static let privateKeyByteCount = 32
    static let nonceByteCount = Bytes24.count

    /// How the private key is stored.
    enum PrivateKey {
        case plain([UInt8])
        case sealed(nonce: [UInt8], box: [UInt8])
    }

    var suite: Int32
    var credential: [UInt8]
    var privateKey: PrivateKey

    /// Zeroes the private key (the sealed form is not secret, but costs nothing to clear).
    /// The enum lets go of the buffer first, so the local binding is its only reference and
    /// the zeros land in it rather than in a copy-on-write copy.
    mutating func wipe() {
        switch privateKey {
        case .plain(var key):
            privateKey = .plain([])
            RampartRegistry.wipe(&key)
        case .sealed(var nonce, var box):
            privateKey = .sealed(nonce: [], box: [])
            RampartRegistry.wipe(&nonce)
            RampartRegistry.wipe(&box)
        }
    }

    /// The encoded file. The caller wipes the result.
    func encoded() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Self.maxByteCount)
        var count = 0
        do throws(ProtocolBufferError) {
            var w = ByteWriter(buffer.mutableSpan)
            switch privateKey {
            case .plain(let key):
                try w.cborMapHeader(5)
                try Self.writeHeader(suite: suite, credential: credential, into: &w)
                try w.cborTextString("private_key")
                try w.cborByteString(key.span)
            case .sealed(let nonce, let box):
                try w.cborMapHeader(6)
                try Self.writeHeader(suite: suite, credential: credential, into: &w)
                try w.cborTextString("nonce")
                try w.cborByteString(nonce.span)
                try w.cborTextString("sealed_private_key")
                try w.cborByteString(box.span)
            }
            count = w.count
        } catch {
            // A credential is at most 128 bytes, so the map always fits in maxByteCount.
            preconditionFailure("gateway key file larger than \(Self.maxByteCount) bytes")
        }
        buffer.removeSubrange(count...)
        return buffer
    }

    private static func writeHeader(suite: Int32, credential: [UInt8], into w: inout ByteWriter) throws(ProtocolBufferError) {
        try w.cborTextString("format")
        try w.cborTextString(Array(format.utf8).span)
        try w.cborTextString("version")
        try w.cborUnsigned(version)
        try w.cborTextString("suite")
        try w.cborInt(suite)
        try w.cborTextString("credential")
        try w.cborByteString(credential.span)
    }

    /// Parses a file; throws a sentence saying what is wrong (never showing key bytes).
    /// Unknown entries are skipped, so later versions may add some; duplicates are refused.
    static func decode(_ bytes: [UInt8]) throws(KeyFileFormatError) -> GatewayKeyFile {
        var fields = Fields()
        do {
            var reader = CBORReader(bytes.span)
            let entries = try reader.readMapHeader()
            for _ in 0..<entries {
                let name = String(decoding: copy(try reader.readTextString()), as: UTF8.self)
                guard !fields.seen.contains(name) else { throw KeyFileFormatError("\"\(name)\" appears twice") }
                fields.seen.insert(name)
                switch name {
                case "format": fields.format = String(decoding: copy(try reader.readTextString()), as: UTF8.self)
                case "version": fields.version = try reader.readUnsigned()
                case "suite": fields.suite = try reader.readInt()
                case "credential": fields.credential = copy(try reader.readByteString())
                case "private_key": fields.privateKey = copy(try reader.readByteString())
                case "nonce": fields.nonce = copy(try reader.readByteString())
                case "sealed_private_key": fields.box = copy(try reader.readByteString())
                default: try reader.skipItem()
                }
            }
            try reader.finish()
        } catch let error as KeyFileFormatError {
            fields.wipe()
            throw error
        } catch {
            fields.wipe()
            throw KeyFileFormatError("not a CBOR map of the expected shape (\(error))")
        }
        do {
            return try fields.file()
        } catch {
            fields.wipe()
            throw error
        }
    }

    /// The entries read so far.
    private struct Fields {
        var seen: Set<String> = []
        var format: String?
        var version: UInt32?
        var suite: Int32?
        var credential: [UInt8]?
        var privateKey: [UInt8]?
        var nonce: [UInt8]?
        var box: [UInt8]?

        mutating func wipe() {
            guard var key = privateKey else { return }
            privateKey = nil
            RampartRegistry.wipe(&key)
        }

        func file() throws(KeyFileFormatError) -> GatewayKeyFile {
            guard format == GatewayKeyFile.format else { throw KeyFileFormatError("no \"format\": \"\(GatewayKeyFile.format)\"") }
            guard let version else { throw KeyFileFormatError("no \"version\"") }
            guard version == GatewayKeyFile.version else {
                throw KeyFileFormatError("version \(version); this rampart reads version \(GatewayKeyFile.version): "
                                         + "it was written by a newer rampart")
            }
            guard let suite else { throw KeyFileFormatError("no \"suite\"") }
            guard let credential else { throw KeyFileFormatError("no \"credential\"") }
            switch (privateKey, nonce, box) {
            case (let key?, nil, nil):
                guard key.count == GatewayKeyFile.privateKeyByteCount else {
                    throw KeyFileFormatError("the private key is \(key.count) bytes, not \(GatewayKeyFile.privateKeyByteCount)")
                }
                return GatewayKeyFile(suite: suite, credential: credential, privateKey: .plain(key))
            case (nil, let nonce?, let box?):
                guard nonce.count == GatewayKeyFile.nonceByteCount,
                      box.count == GatewayKeyFile.privateKeyByteCount + Sodium.secretboxTagByteCount else {
                    throw KeyFileFormatError("the sealed private key or its nonce has the wrong length")
                }
                return GatewayKeyFile(suite: suite, credential: credential, privateKey: .sealed(nonce: nonce, box: box))
            default:
                throw KeyFileFormatError("it must hold either \"private_key\" or both \"nonce\" and \"sealed_private_key\"")
            }
        }
    }
}

/// What is wrong with a key file's contents.
struct KeyFileFormatError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The bytes of a span, as an array (for values that outlive the reader's input).
func copy(_ span: Span<UInt8>) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(span.count)
    for i in span.indices { bytes.append(span[i]) }
    return bytes
}

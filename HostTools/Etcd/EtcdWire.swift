import Foundation

// The JSON shapes of etcd's grpc-gateway (api/etcdserverpb/rpc.proto, mvccpb/kv.proto), as
// etcd 3.4 serves them under /v3/. What the gateway does to protobuf:
// - `bytes` fields (keys, values) are base64;
// - 64-bit integers are JSON *strings* ("revision": "42"); we accept numbers too;
// - a field equal to its default is left out: no `kvs` on an empty range, no `count` when 0,
//   no `succeeded` on a failed transaction, no `type` on a PUT event. Every field is optional.

enum EtcdWire {
    // MARK: Requests (int64 fields written as strings, as the gateway writes them)

    struct RangeRequest: Encodable {
        var key: String
        var rangeEnd: String?
        var limit: String?
        var revision: String?
        enum CodingKeys: String, CodingKey { case key, rangeEnd = "range_end", limit, revision }
    }

    struct PutRequest: Encodable {
        var key: String
        var value: String
    }

    struct DeleteRangeRequest: Encodable {
        var key: String
        var rangeEnd: String?
        enum CodingKeys: String, CodingKey { case key, rangeEnd = "range_end" }
    }

    struct Compare: Encodable {
        var target: String
        var key: String
        var createRevision: String?
        var modRevision: String?
        var version: String?
        var value: String?
        var result = "EQUAL"
        enum CodingKeys: String, CodingKey {
            case target, key, result, value, version
            case createRevision = "create_revision", modRevision = "mod_revision"
        }
    }

    struct RequestOp: Encodable {
        var requestRange: RangeRequest?
        var requestPut: PutRequest?
        var requestDeleteRange: DeleteRangeRequest?
        enum CodingKeys: String, CodingKey {
            case requestRange = "request_range", requestPut = "request_put", requestDeleteRange = "request_delete_range"
        }
    }

    struct TxnRequest: Encodable {
        var compare: [Compare]
        var success: [RequestOp]
        var failure: [RequestOp]
    }

    struct WatchCreateRequest: Encodable {
        var key: String
        var rangeEnd: String?
        var startRevision: String?
        enum CodingKeys: String, CodingKey { case key, rangeEnd = "range_end", startRevision = "start_revision" }
    }

    struct WatchRequest: Encodable {
        var createRequest: WatchCreateRequest
        enum CodingKeys: String, CodingKey { case createRequest = "create_request" }
    }

    struct Empty: Encodable {}

    // MARK: Responses

    struct ResponseHeader: Decodable {
        var memberID: WireUInt64?
        var revision: WireInt64?
        var raftTerm: WireUInt64?
        enum CodingKeys: String, CodingKey { case memberID = "member_id", revision, raftTerm = "raft_term" }
    }

    struct KeyValue: Decodable {
        var key: String?
        var value: String?
        var createRevision: WireInt64?
        var modRevision: WireInt64?
        var version: WireInt64?
        enum CodingKeys: String, CodingKey {
            case key, value, version, createRevision = "create_revision", modRevision = "mod_revision"
        }
    }

    struct RangeResponse: Decodable {
        var header: ResponseHeader?
        var kvs: [KeyValue]?
        var more: Bool?
        var count: WireInt64?
    }

    struct HeaderOnlyResponse: Decodable {
        var header: ResponseHeader?
    }

    struct DeleteRangeResponse: Decodable {
        var header: ResponseHeader?
        var deleted: WireInt64?
    }

    struct ResponseOp: Decodable {
        var responseRange: RangeResponse?
        enum CodingKeys: String, CodingKey { case responseRange = "response_range" }
    }

    struct TxnResponse: Decodable {
        var header: ResponseHeader?
        var succeeded: Bool?
        var responses: [ResponseOp]?
    }

    struct StatusResponse: Decodable {
        var header: ResponseHeader?
        var leader: WireUInt64?
        var raftTerm: WireUInt64?
        var errors: [String]?
    }

    struct Event: Decodable {
        var type: String?
        var kv: KeyValue?
    }

    struct WatchResponse: Decodable {
        var header: ResponseHeader?
        var created: Bool?
        var canceled: Bool?
        var compactRevision: WireInt64?
        var cancelReason: String?
        var events: [Event]?
        enum CodingKeys: String, CodingKey {
            case header, created, canceled, events
            case compactRevision = "compact_revision", cancelReason = "cancel_reason"
        }
    }

    /// An error inside a stream: `{"error":{"grpc_code":14,"message":"etcdserver: no leader",…}}`.
    struct StreamError: Decodable {
        var grpcCode: Int?
        var message: String?
        enum CodingKeys: String, CodingKey { case grpcCode = "grpc_code", message }
    }

    /// One object of the watch stream: a result or an error.
    struct WatchMessage: Decodable {
        var result: WatchResponse?
        var error: StreamError?
    }

    /// The body of a unary error reply: `{"error":"…","message":"…","code":14}`.
    struct ErrorReply: Decodable {
        var error: String?
        var message: String?
        var code: Int?
    }

    // MARK: Coding helpers

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Encoding these plain structs of strings cannot fail.
        (try? Array(JSONEncoder().encode(value))) ?? Array("{}".utf8)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws(EtcdError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw .malformedResponse("\(what): \(error) in \(preview(body))")
        }
    }

    /// The first few hundred bytes of a body, for error messages.
    static func preview(_ body: [UInt8]) -> String {
        let limit = 300
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        return body.count > limit ? text + "…" : text
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    static func base64(_ key: String) -> String { Data(key.utf8).base64EncodedString() }

    static func bytes(fromBase64 text: String?, what: String) throws(EtcdError) -> [UInt8] {
        guard let text else { return [] }
        guard let data = Data(base64Encoded: text) else { throw .malformedResponse("\(what) is not base64: \(text.prefix(80))") }
        return Array(data)
    }

    /// The end of the range holding every key that starts with `prefix` (etcd's
    /// `GetPrefixRangeEnd`): the prefix with its last byte below 0xff incremented and the
    /// rest cut. No such byte (empty prefix, or all 0xff) → "\0", which etcd reads as
    /// "every key from `key` on".
    static func prefixRangeEnd(_ prefix: String) -> [UInt8] {
        var end = Array(prefix.utf8)
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    /// A range request's `key` field for a prefix: the empty prefix is spelled "\0" (etcd reads an
    /// empty key as "missing").
    static func prefixKey(_ prefix: String) -> [UInt8] { prefix.isEmpty ? [0] : Array(prefix.utf8) }

    static func keyValue(_ wire: KeyValue) throws(EtcdError) -> EtcdKeyValue {
        let key = try bytes(fromBase64: wire.key, what: "a key")
        return EtcdKeyValue(key: String(decoding: key, as: UTF8.self),
                            value: try bytes(fromBase64: wire.value, what: "a value"),
                            createRevision: wire.createRevision?.value ?? 0,
                            modRevision: wire.modRevision?.value ?? 0,
                            version: wire.version?.value ?? 0)
    }
}

/// A protobuf int64 as the gateway writes it: a JSON string, or a number from other encoders.
struct WireInt64: Decodable {
    let value: Int64
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64: \(text)")
            }
            self.value = value
        } else {
            self.value = try container.decode(Int64.self)
        }
    }
}

/// A protobuf uint64 (member ids use all 64 bits).
struct WireUInt64: Decodable {
    let value: UInt64
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a uint64: \(text)")
            }
            self.value = value
        } else {
            self.value = try container.decode(UInt64.self)
        }
    }
}

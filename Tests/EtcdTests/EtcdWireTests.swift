import Foundation
@testable import RampartEtcd
import Testing

/// The JSON gateway's shapes, decoded without a server.
@Suite("etcd JSON wire format")
struct EtcdWireTests {
    @Test("int64 fields arrive as strings; uint64 member ids use all 64 bits")
    func integersAsStrings() throws {
        let body = Array("""
            {"header":{"cluster_id":"14841639068965178418","member_id":"13035354014614129321","revision":"9223372036854775807","raft_term":"2"},
             "kvs":[{"key":"YQ==","create_revision":"4","mod_revision":"5","version":"2","value":"AP8="}],"count":"1"}
            """.utf8)
        let response = try EtcdWire.decode(EtcdWire.RangeResponse.self, body, what: "range")
        #expect(response.header?.revision?.value == Int64.max)
        #expect(response.header?.memberID?.value == 13_035_354_014_614_129_321)
        #expect(try EtcdWire.keyValue(response.kvs![0]) == EtcdKeyValue(key: "a", value: [0, 0xff], createRevision: 4,
                                                                        modRevision: 5, version: 2))
        #expect(response.count?.value == 1)
        // Plain numbers are accepted too.
        let numbers = try EtcdWire.decode(EtcdWire.ResponseHeader.self, Array(#"{"revision":42}"#.utf8), what: "header")
        #expect(numbers.revision?.value == 42)
    }

    @Test("fields equal to their default are absent")
    func defaultsOmitted() throws {
        let range = try EtcdWire.decode(EtcdWire.RangeResponse.self, Array(#"{"header":{"revision":"1"}}"#.utf8), what: "range")
        #expect(range.kvs == nil)
        #expect(range.count == nil)
        #expect(range.more == nil)
        // A failed transaction has no `succeeded`; a deletion event no `value`, `version` or `create_revision`.
        let txn = try EtcdWire.decode(EtcdWire.TxnResponse.self, Array(#"{"header":{"revision":"4"},"responses":[{"response_range":{"header":{"revision":"4"}}}]}"#.utf8), what: "txn")
        #expect(txn.succeeded == nil)
        #expect(txn.responses?.first?.responseRange?.kvs == nil)
        let watch = try EtcdWire.decode(EtcdWire.WatchMessage.self,
                                        Array(#"{"result":{"header":{"revision":"6"},"events":[{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"5"}}]}}"#.utf8),
                                        what: "watch")
        let kv = try EtcdWire.keyValue(try #require(watch.result?.events?.first?.kv))
        #expect(kv == EtcdKeyValue(key: "a", value: [], createRevision: 0, modRevision: 5, version: 0))
    }

    @Test("a non-numeric revision is a malformed response, not a zero")
    func badInteger() {
        #expect(throws: EtcdError.self) {
            try EtcdWire.decode(EtcdWire.ResponseHeader.self, Array(#"{"revision":"12x"}"#.utf8), what: "header")
        }
        #expect(throws: EtcdError.self) {
            try EtcdWire.keyValue(EtcdWire.KeyValue(key: "not base64!"))
        }
    }

    @Test("prefix range ends follow etcd's GetPrefixRangeEnd")
    func prefixRangeEnd() {
        #expect(EtcdWire.prefixRangeEnd("a/") == Array("a0".utf8))
        #expect(EtcdWire.prefixRangeEnd("ab") == Array("ac".utf8))
        #expect(EtcdWire.prefixRangeEnd("") == [0])
        #expect(EtcdWire.prefixRangeEnd("\u{7f}") == [0x80])
        // "é" is C3 A9: the last byte is incremented.
        #expect(EtcdWire.prefixRangeEnd("é") == [0xc3, 0xaa])
        #expect(EtcdWire.prefixKey("") == [0])
    }

    @Test("the watch stream splits into objects however its chunks fall")
    func splitter() throws {
        let stream = Array("""
            {"result":{"created":true}}
            {"result":{"events":[{"kv":{"key":"e30=","value":"In0ie30="}}],"note":"braces } { and \\" quote"}}
            {"error":{"grpc_code":14,"message":"etcdserver: no leader"}}
            """.utf8)
        var whole = JSONObjectSplitter()
        let expected = try whole.feed(stream)
        #expect(expected.count == 3)
        for object in expected { #expect((try? JSONSerialization.jsonObject(with: Data(object))) != nil) }
        for size in [1, 2, 3, 7, 64] {
            var splitter = JSONObjectSplitter()
            var objects: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                objects += try splitter.feed(stream[offset..<min(offset + size, stream.count)])
                offset += size
            }
            #expect(objects == expected)
            #expect(splitter.isIdle)
        }
        var garbage = JSONObjectSplitter()
        #expect(throws: JSONObjectSplitter.SplitError.self) { try garbage.feed(Array("nope".utf8)) }
    }

    @Test("endpoints: http://HOST:PORT only")
    func endpoints() throws {
        #expect(try EtcdEndpoint("http://127.0.0.1:2379/").port == 2379)
        #expect(try EtcdEndpoint("http://[::1]:2379").host == "::1")
        #expect(throws: EtcdConfigurationError.self) { try EtcdEndpoint("https://127.0.0.1:2379") }
        #expect(throws: EtcdConfigurationError.self) { try EtcdEndpoint("http://127.0.0.1") }
        #expect(throws: EtcdConfigurationError.self) { try EtcdClient(endpoints: []) }
    }

    @Test("errors that leave a write's outcome unknown say so")
    func outcomeUnknown() {
        let reply = HTTPReply(status: 503, body: Array(#"{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14}"#.utf8), keepAlive: true)
        guard case .ambiguous = EtcdClient.classify(reply, revision: 0) else {
            Issue.record("a server-side timeout must count as ambiguous")
            return
        }
        let noLeader = HTTPReply(status: 503, body: Array(#"{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}"#.utf8), keepAlive: true)
        guard case .tryElsewhere = EtcdClient.classify(noLeader, revision: 0) else {
            Issue.record("\"no leader\" is refused before raft: safe to send elsewhere")
            return
        }
        let compacted = HTTPReply(status: 400, body: Array(#"{"error":"etcdserver: mvcc: required revision has been compacted","message":"etcdserver: mvcc: required revision has been compacted","code":11}"#.utf8), keepAlive: true)
        guard case .fatal(.compacted(revision: 3)) = EtcdClient.classify(compacted, revision: 3) else {
            Issue.record("a compacted read must be .compacted")
            return
        }
        #expect(EtcdError.unavailable("txn was sent to x but no answer: outcome unknown; re-read").outcomeUnknown)
        #expect(!EtcdError.unavailable("no member answered").outcomeUnknown)
    }
}

import Foundation
import RampartGateway
import RampartHostCrypto

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-registry-tests-\(UUID())").path
    }

    /// A path inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Permission bits of a file (`stat`).
func mode(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func setMode(_ mode: Int, of path: String) throws {
    try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path)
}

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A device credential encoded by hand (independently of `EDHOCCredential.writeCCS`), in
/// RFC 9529's shape: `{ 2: subject, 8: { 1: COSE_Key } }`, for a fresh key pair of `suite`.
func deviceCredential(kid: [UInt8], suite: Int32, subject: String = "device") throws -> [UInt8] {
    let crypto = try HostCrypto()
    var privateKey = InlineArray<32, UInt8>(repeating: 0)
    var ccs: [UInt8] = [0xA2, 0x02, 0x60 + UInt8(subject.utf8.count)] + Array(subject.utf8)
    ccs += [0x08, 0xA1, 0x01]
    if suite == 0 {
        for i in 0..<32 { privateKey[i] = UInt8.random(in: 0...255) }
        let x = crypto.x25519PublicKey(privateKey: privateKey)
        ccs += [0xA4, 0x01, 0x01, 0x02, 0x40 + UInt8(kid.count)] + kid + [0x20, 0x04, 0x21, 0x58, 0x20] + array(x)
    } else {
        // A P-256 scalar below 2^255 is below n.
        for i in 0..<32 { privateKey[i] = UInt8.random(in: 0...255) }
        privateKey[0] &= 0x7F
        privateKey[31] |= 1
        let point = try crypto.p256PublicKey(privateKey: privateKey)
        ccs += [0xA5, 0x01, 0x02, 0x02, 0x40 + UInt8(kid.count)] + kid + [0x20, 0x01, 0x21, 0x58, 0x20] + array(point.x)
        ccs += [0x22, 0x58, 0x20] + array(point.y)
    }
    return ccs
}

func deviceRecord(kid: [UInt8], suite: Int32 = 0, label: String = "", policy: DevicePolicy = .default) throws -> DeviceRecord {
    DeviceRecord(kid: kid, credential: try deviceCredential(kid: kid, suite: suite), suites: [suite], policy: policy,
                 label: label)
}

func array(_ bytes: InlineArray<32, UInt8>) -> [UInt8] {
    (0..<32).map { bytes[$0] }
}

func inline32(_ bytes: [UInt8]) -> InlineArray<32, UInt8> {
    var value = InlineArray<32, UInt8>(repeating: 0)
    for i in 0..<32 { value[i] = bytes[i] }
    return value
}

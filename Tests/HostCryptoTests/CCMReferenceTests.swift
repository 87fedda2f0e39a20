// The core's CCM (over either AES) against an independent implementation: pyca/cryptography's
// AESCCM (OpenSSL), run in a python3 subprocess. CCM<HostAES128> shares the CCM code with the
// device, so only an outside reference checks the mode itself. Skipped where python3 has no
// `cryptography` package.
import Foundation
import RampartCrypto
import RampartHostCrypto
import Testing

@Suite("AES-CCM: core CCM vs pyca/cryptography")
struct CCMReferenceTests {
    static let caseCount = 400

    /// Reads `key nonce tagLength aad plaintext` lines (hex, "-" for empty) and prints
    /// AESCCM's ciphertext ‖ tag for each.
    static let script = """
        import sys
        from cryptography.hazmat.primitives.ciphers.aead import AESCCM
        h = lambda s: b"" if s == "-" else bytes.fromhex(s)
        for line in sys.stdin:
            key, nonce, tag, aad, pt = line.split()
            print(AESCCM(h(key), tag_length=int(tag)).encrypt(h(nonce), h(pt), h(aad)).hex() or "-")
        """

    /// The project's venv (made by scripts/setup.sh with pyca/cryptography), else python3 on PATH.
    static let python: String = {
        let venv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }()

    @Test func sealMatchesPycaAESCCM() throws {
        guard (try? Self.runPython("import cryptography.hazmat.primitives.ciphers.aead", input: "")) != nil else {
            Issue.record("\(Self.python) has no pyca/cryptography: run scripts/setup.sh (make test does)")
            return
        }
        var random = TestRandom("ccm-pyca")
        var inputs: [(key: Bytes16, nonce: [UInt8], tagLength: Int, aad: [UInt8], plaintext: [UInt8])] = []
        for _ in 0..<Self.caseCount {
            inputs.append((random.bytes16(), random.bytes(Int.random(in: 7...13, using: &random)),
                           2 * Int.random(in: 2...8, using: &random),
                           random.bytes(random.length(upTo: 300, boundaries: [0, 14, 15, 16, 17])),
                           random.bytes(random.length(upTo: 300, boundaries: [0, 15, 16, 17]))))
        }
        let hexOrDash = { (bytes: [UInt8]) in bytes.isEmpty ? "-" : bytes.hex }
        let request = inputs.map {
            "\($0.key.array.hex) \($0.nonce.hex) \($0.tagLength) \(hexOrDash($0.aad)) \(hexOrDash($0.plaintext))"
        }.joined(separator: "\n") + "\n"
        let answers = try Self.runPython(Self.script, input: request).split(separator: "\n").map(String.init)
        try #require(answers.count == inputs.count)

        for (index, (input, answer)) in zip(inputs, answers).enumerated() {
            let expected = answer == "-" ? [] : hexBytes(answer)
            let ccm = try CCM(cipher: AES128(key: input.key), tagLength: input.tagLength)
            let sealed = try bytesFilled(input.plaintext.count + input.tagLength) {
                try ccm.seal(nonce: input.nonce.span, aad: input.aad.span, plaintext: input.plaintext.span, into: &$0)
            }
            let inputText = "key \(input.key.array.hex) nonce \(input.nonce.hex) M \(input.tagLength) "
                + "aad \(input.aad.hex) plaintext \(input.plaintext.hex)"
            try #require(sealed == expected, "\(inputText) \(random.context(index))")
        }
    }

    enum PythonError: Error { case failed(status: Int32, stderr: String) }

    static func runPython(_ script: String, input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Writes and reads overlap so that neither pipe's buffer fills and blocks the other side.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonError.failed(status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}

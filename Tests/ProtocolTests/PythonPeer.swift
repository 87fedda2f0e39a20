import Foundation

/// A Python program from Tests/Interop run in the project's venv (`scripts/setup.sh`
/// creates it; `make test` runs setup first), talked to over stdin/stdout one line at a time.
final class PythonPeer {
    static let python = ProtocolVectors.tests.deletingLastPathComponent().appendingPathComponent(".venv/bin/python3")

    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffered = Data()

    init(script: String, arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            throw PeerError("no \(Self.python.path): run scripts/setup.sh (make test does) to create the venv")
        }
        process.executableURL = Self.python
        process.arguments = ["-B", ProtocolVectors.interop.appendingPathComponent(script).path] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The next line the peer prints; throws with its stderr if it exits first.
    func receive() throws -> String {
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered.removeSubrange(buffered.startIndex...newline)
                if line.hasPrefix("error:") { throw PeerError("peer: \(line)") }
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw PeerError("peer exited: \(stderr)")
            }
            buffered.append(chunk)
        }
    }

    /// Runs a script to completion and returns its exit status and standard output.
    static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let peer = try PythonPeer(script: script, arguments: arguments)
        peer.input.fileHandleForWriting.closeFile()
        let data = peer.output.fileHandleForReading.readDataToEndOfFile()
        peer.process.waitUntilExit()
        return (peer.process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import RampartProtocol

#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal pair standing in for a board's USB serial port: `rampart provision`
/// opens `slavePath` as it would /dev/ttyACM0; the fake board reads and writes the master.
/// (The same idea as Tests/GatewayServerTests/PseudoTerminalPair.swift.)
final class PseudoTerminalPair: @unchecked Sendable {
    let master: Int32
    let slavePath: String
    private var closed = false

    init() throws {
        let pty = try PTYFunctions.shared.get()
        master = pty.openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw POSIXFailure("posix_openpt", errno) }
        var name = [CChar](repeating: 0, count: 128)
        guard pty.grantpt(master) == 0, pty.unlockpt(master) == 0, pty.ptsname_r(master, &name, name.count) == 0 else {
            let code = errno
            close(master)
            throw POSIXFailure("grantpt/unlockpt/ptsname_r", code)
        }
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Raw on the master side too: no echo of what the host writes, no CR/NL mapping.
        var attributes = termios()
        tcgetattr(master, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(master, TCSANOW, &attributes)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit { hangUp() }

    /// Closes the master: the board goes away (the slave side reads EIO).
    func hangUp() {
        guard !closed else { return }
        closed = true
        close(master)
    }

    /// Writes `bytes`; gives up (throws) if the line stays full for about 100 ms, as it does
    /// when no one reads the slave side.
    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        var waits = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EAGAIN || errno == EINTR) && waits < 100 {
                waits += 1
                usleep(1000)
                continue
            }
            guard n > 0 else { throw POSIXFailure("write to pty master", errno) }
            offset += n
        }
    }
}

/// posix_openpt(3) and friends, looked up at run time: Glibc's Swift module leaves them out
/// (they need _XOPEN_SOURCE).
struct PTYFunctions {
    let openpt: @convention(c) (Int32) -> Int32
    let grantpt: @convention(c) (Int32) -> Int32
    let unlockpt: @convention(c) (Int32) -> Int32
    let ptsname_r: @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32

    static let shared: Result<PTYFunctions, POSIXFailure> = {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        guard let openpt = symbol("posix_openpt", as: (@convention(c) (Int32) -> Int32).self),
              let grantpt = symbol("grantpt", as: (@convention(c) (Int32) -> Int32).self),
              let unlockpt = symbol("unlockpt", as: (@convention(c) (Int32) -> Int32).self),
              let ptsname_r = symbol("ptsname_r", as: (@convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32).self)
        else { return .failure(POSIXFailure("dlsym posix_openpt", ENOSYS)) }
        return .success(PTYFunctions(openpt: openpt, grantpt: grantpt, unlockpt: unlockpt, ptsname_r: ptsname_r))
    }()
}

struct POSIXFailure: Error, CustomStringConvertible {
    let description: String
    init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
}

/// `payload` as a serial frame (COBS + CRC-32), as a board sends it.
func serialFrame(_ payload: [UInt8]) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: SerialFraming.maxFrameByteCount)
    var written = 0
    do {
        var writer = ByteWriter(out.mutableSpan)
        try SerialFrameEncoder.encode(payload.span, into: &writer)
        written = writer.count
    }
    return Array(out[0..<written])
}

// Shared by the libFuzzer targets in Fuzz/ (host only; scripts/fuzz.sh builds and runs them).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a fuzz target does with one input.
public typealias FuzzTarget = (Span<UInt8>) -> Void

/// The `main` of every fuzz target.
///
/// Built with `-sanitize=fuzzer -D FUZZING`, it hands control to libFuzzer through
/// `LLVMFuzzerRunDriver`, which takes the usual libFuzzer command line. libFuzzer's own `main`
/// cannot be used: SwiftPM links every executable with `main` aliased to the module's entry
/// point (`fuzz_cbor_main`, …), so the entry point has to exist and start the driver itself.
/// Built plainly (`swift build`, `swift test`), it says how to build the real thing and exits 2.
public func fuzzMain(_ name: StaticString, _ target: @escaping FuzzTarget) -> Never {
    #if FUZZING
    currentTarget = target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
    #else
    printToStandardError("""
        \(name) is a libFuzzer target and this build is not instrumented for fuzzing.
        Run it with `scripts/fuzz.sh [SECONDS] [\(name)]` (or `make fuzz`), which builds it with
          swift build -c release --scratch-path .build-fuzz --product \(name) \\
            -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING

        """)
    exit(2)
    #endif
}

#if FUZZING
nonisolated(unsafe) var currentTarget: FuzzTarget?

/// libFuzzer's driver (compiler-rt `FuzzerInterface.h`, LLVM 12 and later):
/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// libFuzzer's entry point for one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: size > 0 ? data : nil, count: size)
    currentTarget?(input.span)
    return 0
}
#endif

/// Checks an invariant of a fuzz target. A broken invariant is a finding: it prints what
/// broke and traps, which libFuzzer reports as a crash and saves the input.
@inline(__always)
public func fuzzInvariant(_ condition: Bool, _ message: StaticString,
                          file: StaticString = #fileID, line: UInt = #line) {
    if !condition {
        printToStandardError("fuzz invariant broken at \(file):\(line): \(message)\n")
        fatalError("fuzz invariant broken: \(message)", file: file, line: line)
    }
}

/// The bytes of `span` as an array (host-side helper for comparing results).
public func fuzzBytes(_ span: Span<UInt8>) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(span.count)
    for i in 0..<span.count { bytes.append(span[i]) }
    return bytes
}

/// Whether two spans hold the same bytes.
public func fuzzEqual(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

func printToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

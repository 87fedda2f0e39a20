import RampartPlatform

/// Counts passed and failed checks and prints one line per failure, then the summary line
/// `self-test: N passed, M failed` that the QEMU tests and CI read (DESIGN.md §7).
public struct SelfTestReport<Output: Console> {
    public var output: Output
    public private(set) var passed = 0
    public private(set) var failed = 0

    public init(output: Output) {
        self.output = output
    }

    public mutating func check(_ condition: Bool, _ name: StaticString) {
        if condition {
            passed += 1
        } else {
            failed += 1
            output.write("FAIL ")
            output.write(name)
            output.write("\n")
        }
    }

    /// Prints the summary line; true when nothing failed.
    public mutating func finish() -> Bool {
        output.write("self-test: ")
        output.write(decimal: passed)
        output.write(" passed, ")
        output.write(decimal: failed)
        output.write(" failed\n")
        return failed == 0
    }
}

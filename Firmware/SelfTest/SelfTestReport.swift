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
        check(condition, name, "")
    }

    /// A check named by its subject and the fact checked ("OSCORE C.1.1", "Sender Key"):
    /// one subject's facts checked by one helper without a literal per combination.
    public mutating func check(_ condition: Bool, _ subject: StaticString, _ fact: StaticString) {
        if condition {
            passed += 1
        } else {
            failed += 1
            output.write("FAIL ")
            output.write(subject)
            if fact.utf8CodeUnitCount > 0 {
                output.write(" ")
                output.write(fact)
            }
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

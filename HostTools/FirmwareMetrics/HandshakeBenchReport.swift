import Foundation

/// The figures of `make bench-handshake` for one board (issue 3's keys first), assembled from
/// what the benchmark image printed (see Firmware/Images/Bench/HandshakeBench.swift) and the
/// image's symbols. One flat JSON object, figures named with their unit last (DESIGN.md §7).
public struct HandshakeBenchReport: Sendable {
    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        /// A figure the report needs was not printed (an older or broken image).
        case missing(String)
        /// The Initiator's messages did not equal the vectors': the figures would not be those
        /// of a correct handshake.
        case messagesDiffer(suite: Int)

        public var description: String {
            switch self {
            case let .missing(name):
                "the benchmark output has no `\(name)`; rebuild the image with `make bench-image BOARD=<board>`"
            case let .messagesDiffer(suite):
                "the suite-\(suite) handshake on the board did not reproduce its vectors' message_1 and message_3; "
                    + "run `make selftest BOARD=<board>` to see which step differs"
            }
        }
    }

    /// The suites measured, in the order they are reported.
    public static let suites = [0, 2]
    /// The steps of the Initiator's handshake, as the image names them.
    public static let steps = ["message1", "message2", "message3"]

    public private(set) var fields: [(key: String, value: String)] = []

    /// - Parameters:
    ///   - output: what the benchmark image printed.
    ///   - protocolFlashBytes: bytes of the RampartProtocol module's symbols in the image.
    ///   - icountShift: the `-icount shift` QEMU ran with.
    public init(output: BenchmarkOutput, protocolFlashBytes: Int, icountShift: UInt64 = 7) throws(Error) {
        func value(_ name: String) throws(Error) -> UInt64 {
            guard let value = output.values[name] else { throw .missing(name) }
            return value
        }
        func stepName(_ suite: Int, _ step: String) -> String { "initiator_suite\(suite)_\(step)" }

        var stepNames: [String] = []
        for suite in Self.suites {
            guard try value("suite\(suite)_messages_match") == 1 else { throw .messagesDiffer(suite: suite) }
            stepNames += Self.steps.map { stepName(suite, $0) }
        }
        fields.append(("board", "\"\(output.board)\""))
        for suite in Self.suites {
            let names = Self.steps.map { stepName(suite, $0) }
            guard let total = output.instructions(summing: names, icountShift: icountShift) else {
                throw .missing(names.joined(separator: ", "))
            }
            fields.append(("initiator_suite\(suite)_instructions", "\(total)"))
        }
        // Issue 3: messages 1-3 of one suite with kid credentials; message_1 offering that
        // suite alone (trace 2's own message_1 offers [6, 2] and is 2 bytes longer).
        let message1 = try value("suite2_message1_one_suite_bytes")
        let message2 = try value("suite2_message2_bytes")
        let message3 = try value("suite2_message3_bytes")
        fields.append(("messages_bytes", "\(message1 + message2 + message3)"))
        fields.append(("protocol_flash_bytes", "\(protocolFlashBytes)"))
        let state = try value("initiator_state_max_bytes")
        guard let stack = output.stackBytes(max: stepNames) else { throw .missing(stepNames.joined(separator: ", ")) }
        fields.append(("handshake_ram_bytes", "\(state + stack)"))

        // Details.
        for suite in Self.suites {
            for step in Self.steps {
                guard let instructions = output.instructions(stepName(suite, step), icountShift: icountShift) else {
                    throw .missing(stepName(suite, step))
                }
                fields.append(("\(stepName(suite, step))_instructions", "\(instructions)"))
            }
        }
        fields.append(("message1_bytes", "\(message1)"))
        fields.append(("message2_bytes", "\(message2)"))
        fields.append(("message3_bytes", "\(message3)"))
        fields.append(("trace2_message1_bytes", "\(try value("suite2_message1_bytes"))"))
        let suite0Messages = try value("suite0_message1_one_suite_bytes") + value("suite0_message2_bytes")
            + value("suite0_message3_bytes")
        fields.append(("suite0_messages_bytes", "\(suite0Messages)"))
        fields.append(("initiator_state_max_bytes", "\(state)"))
        fields.append(("handshake_stack_peak_bytes", "\(stack)"))
        fields.append(("icount_shift", "\(icountShift)"))
        fields.append(("command", "\"make bench-handshake\""))
    }

    public var json: String {
        "{" + fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    public var table: String {
        let width = fields.map(\.key.count).max() ?? 0
        return fields.map { $0.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }
            .joined(separator: "\n")
    }
}

/// Why provisioning a board failed. Each description is a sentence for the operator that
/// says what happened to the board and to the registry, and what to do next.
public enum ProvisioningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libudev could not enumerate or monitor devices.
    case udev(String)
    /// The serial port could not be opened, read or written. (Like every case, the
    /// description leaves the port out: the caller names it once, before the sentence.)
    case serialPort(path: String, reason: String)
    /// No status report came back (not a Rampart board, wrong port or baud rate, or the
    /// firmware is not running).
    case noAnswer(path: String, attempts: Int, seconds: Double)
    /// The board answered a step with a provisioning `error`.
    case refused(step: String, code: UInt8, diagnostic: String)
    /// The board answered with a message that does not belong at this step.
    case unexpectedAnswer(step: String, answer: String)
    /// The board sent no answer to a step other than `status` and `provision` (the board
    /// may have reset; nothing was changed on the host).
    case stepTimedOut(step: String, seconds: Double)
    /// The board's firmware does not do the requested suite.
    case unsupportedSuite(requested: Int32, firmwareSuites: [Int32])
    /// `done` never came: the board's state is its previous one, nothing was registered.
    case notConfirmed(previousState: String, seconds: Double)
    /// The board's `done` carried a credential that is not the offered key with the
    /// assigned kid.
    case credentialMismatch(String)
    /// The board is provisioned with a kid the registry holds for another credential.
    case keyIDConflict(kid: [UInt8])
    /// The kid asked for with `--kid` is registered already.
    case keyIDTaken(kid: [UInt8])
    /// The registry could not be read or written.
    case registry(String)
    /// The gateway's keys could not be read or created.
    case gatewayKeys(String)
    /// Something the command line asked for that cannot work (checked before the board is touched).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .udev(let why):
            "udev: \(why)"
        case .serialPort(_, let reason):
            reason
        case .noAnswer(_, let attempts, let seconds):
            "no provisioning status report after \(attempts) request\(attempts == 1 ? "" : "s") in \(Self.format(seconds)) s. Is this a "
                + "board running Rampart firmware, and is it the right port and baud rate (--baud)? A board that is "
                + "still flashing or booting needs longer (--wait SECONDS). Nothing was changed."
        case .refused(let step, let code, let diagnostic):
            "the board refused \(step): \(Self.explain(code: code))"
                + (diagnostic.isEmpty ? "" : " (board says: \(diagnostic))")
        case .unexpectedAnswer(let step, let answer):
            "the board answered \(step) with \(answer); run again (if it keeps happening, the firmware and this tool "
                + "speak different versions of docs/provisioning.md)"
        case .stepTimedOut(let step, let seconds):
            "the board did not answer \(step) within \(Self.format(seconds)) s (did it reset?); nothing was "
                + "registered; run again"
        case .unsupportedSuite(let requested, let firmwareSuites):
            "the board's firmware does not support cipher suite \(requested) (it supports "
                + "\(firmwareSuites.map(String.init).joined(separator: ", "))); choose one with --suite"
        case .notConfirmed(let previousState, let seconds):
            "the board did not confirm (no `done` within \(Self.format(seconds)) s); it keeps its previous state "
                + "(\(previousState)); nothing was registered; run again"
        case .credentialMismatch(let why):
            "the board's credential in `done` does not match what was offered and assigned (\(why)); nothing was "
                + "registered. The board now holds a record the gateway will not accept: factory-reset it "
                + "(rampart provision --factory-reset) and provision again"
        case .keyIDConflict(let kid):
            "the board is provisioned with kid \(kid.hexString), but the registry holds that kid for another "
                + "credential. Give the board a new identity with --factory-reset (it then gets a fresh key and kid), "
                + "or remove the other registration if it is stale"
        case .keyIDTaken(let kid):
            "kid \(kid.hexString) is already registered (see rampart devices show \(kid.hexString)); choose another "
                + "--kid or leave it out for a random one"
        case .registry(let why):
            why
        case .gatewayKeys(let why):
            "the gateway's keys: \(why)"
        case .invalidRequest(let why):
            why
        }
    }

    /// The meaning of a provisioning error code (docs/provisioning.md), with the remedy.
    static func explain(code: UInt8) -> String {
        switch code {
        case 1: "it is already provisioned (re-provision with --factory-reset)"
        case 2: "the message was unexpected at this point (another tool on the port, or an abandoned exchange); run again"
        case 3: "the message was malformed (this tool and the firmware speak different versions of the protocol)"
        case 4: "the cipher suite is not supported by its firmware (choose another with --suite)"
        case 5: "writing its flash failed; it keeps its previous record. Run again; if it persists the flash may be worn"
        case 6: "the gateway credential is not one it accepts (not a CCS, or not for the key's suite)"
        case 7: "the device-id in factory-reset is not its own"
        default: "error code \(code)"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// Boots Rampart firmware on QEMU Arm boards and reports what happened.
///
/// ```swift
/// let result = try await QEMURig.run(QEMULaunchOptions(
///     board: .mps2AN386, firmware: selfTestELF, timeLimit: .seconds(30)))
/// // result.exitStatus == 0, result.outputText contains "self-test: …"
/// ```
///
/// QEMU never outlives the rig: every run is stopped when it ends, times out, is cancelled,
/// or its session is released, and the kernel kills QEMU if the rig's process dies
/// (see `ProcessSupervisor`).
public enum QEMURig {
    /// Boots a board and waits until the run ends: the firmware exits (semihosting SYS_EXIT),
    /// the time limit passes, or the calling task is cancelled.
    ///
    /// - Throws: ``QEMURigError`` only when the board cannot be started; how it ended is in the
    ///   result.
    public static func run(_ options: QEMULaunchOptions) async throws(QEMURigError) -> QEMURunResult {
        let session = try await QEMUSession.launch(options)
        return await session.waitForExit()
    }

    /// Boots a board, runs `body` with its session, and stops the board when `body` returns or
    /// throws.
    public static func withSession<Value>(
        _ options: QEMULaunchOptions,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (QEMUSession) async throws -> Value
    ) async throws -> Value {
        let session = try await QEMUSession.launch(options)
        do {
            let value = try await body(session)
            _ = await session.stop()
            return value
        } catch {
            _ = await session.stop()
            throw error
        }
    }
}

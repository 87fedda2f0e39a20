import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starts QEMU so that it cannot outlive the rig, and reaps it.
///
/// Orphan-freedom rests on three things:
/// - QEMU runs under `setpriv --pdeathsig KILL`, so the kernel kills it when its parent dies,
///   including when the test process is killed outright. The "parent" is the spawning
///   *thread*, so QEMU is spawned from a dedicated thread that lives until QEMU is reaped.
/// - QEMU leads its own session and process group (`POSIX_SPAWN_SETSID`), so stopping it is
///   one `kill(-pid)` and a terminal's Ctrl-C reaches the rig, not QEMU.
/// - The supervisor waits with `WNOWAIT` and marks the session ended before reaping, so no
///   signal can reach a process that has recycled QEMU's ID.
enum ProcessSupervisor {
    /// glibc's (and musl's) `POSIX_SPAWN_SETSID` from `<spawn.h>`, which Swift does not import.
    private static let spawnSetSessionFlag: Int32 = 0x80
    /// Signals QEMU must see with their default action whatever the rig's own dispositions.
    private static let defaultedSignals: [Int32] = [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    struct ChildDescriptors: Sendable {
        var standardInput: Int32
        var standardOutput: Int32
        var standardError: Int32
    }

    /// Spawns `setpriv --pdeathsig KILL -- executable arguments…` in `workingDirectory` and
    /// returns QEMU's process ID once it runs; a supervisor thread reaps it and reports to `core`.
    static func spawn(setpriv: URL, executable: URL, arguments: [String], workingDirectory: URL,
                      descriptors: ChildDescriptors, core: SessionCore) async throws(QEMURigError) -> pid_t {
        let argv = [setpriv.path, "--pdeathsig", "KILL", "--", executable.path] + arguments
        let spawned: Result<pid_t, QEMURigError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let result = spawnProcess(argv: argv, workingDirectory: workingDirectory.path,
                                          descriptors: descriptors)
                if case .success(let pid) = result { core.processStarted(pid) }
                continuation.resume(returning: result)
                if case .success(let pid) = result { supervise(pid, core: core) }
            }
            thread.name = "QEMURig supervisor"
            thread.start()
        }
        return try spawned.get()
    }

    /// Blocks the supervisor thread until QEMU exits, then reaps it.
    private static func supervise(_ pid: pid_t, core: SessionCore) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        core.processExiting()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        core.processReaped(waitStatus: status)
    }

    private static func spawnProcess(argv: [String], workingDirectory: String,
                                     descriptors: ChildDescriptors) -> Result<pid_t, QEMURigError> {
        guard let addChdir = addChdirFunction else {
            return .failure(.systemCallFailed(call: "posix_spawn_file_actions_addchdir_np", errno: ENOSYS))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, descriptors.standardInput, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, descriptors.standardOutput, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, descriptors.standardError, STDERR_FILENO)
        let chdirStatus = workingDirectory.withCString { addChdir(&actions, $0) }
        guard chdirStatus == 0 else {
            return .failure(.systemCallFailed(call: "posix_spawn_file_actions_addchdir_np", errno: chdirStatus))
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaulted = sigset_t()
        sigemptyset(&defaulted)
        for signal in defaultedSignals { sigaddset(&defaulted, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaulted)
        let flags = spawnSetSessionFlag | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard status == 0 else { return .failure(.systemCallFailed(call: "posix_spawn \(argv[0])", errno: status)) }
        return .success(pid)
    }

    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.29+ `posix_spawn_file_actions_addchdir_np`, looked up at run time because Swift
    /// imports `<spawn.h>` without its GNU extensions.
    private static let addChdirFunction: AddChdir? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
}

import Foundation
import RampartEtcd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A real etcd cluster on loopback for tests: `members` processes of Debian's etcd-server with
/// fresh data in a temporary directory, fast raft timing, and nothing left behind.
///
/// No orphans. `stop()` (also run by `deinit`) kills every member and removes the data. For the
/// case where the test process dies without running either (a crash, SIGKILL, a debugger
/// detaching), each member runs under a tiny watchdog shell whose stdin is a socket from this
/// process (the lifeline): the shell starts etcd in the background, then blocks reading it. The
/// kernel closes this process's end when it exits *for any reason*, `read` returns, and the shell
/// SIGKILLs its etcd. (PR_SET_PDEATHSIG is not an option: posix_spawn cannot set it, and it fires
/// when the spawning *thread* exits, which Swift's thread pool does at will.) Our end is
/// close-on-exec, so no other child of this process can hold it open. A janitor shell on its own
/// lifeline removes the data directory in that case.
public final class EtcdTestCluster: @unchecked Sendable {
    /// Whether an etcd binary is installed: /usr/bin/etcd, or `etcd` on PATH.
    public static var isAvailable: Bool { executable != nil }

    /// Raft timing for tests: a dead leader is replaced in about a second.
    static let heartbeatMilliseconds = 50
    static let electionMilliseconds = 500
    /// Backend quota per member (the WAL preallocates 64 MiB per segment on top).
    static let quotaBackendBytes = 256 << 20
    /// How long a start or restart may take before it is reported as failed.
    static let startTimeout = Duration.seconds(20)
    /// Start attempts (each with fresh ports) when a port picked as free was taken meanwhile.
    static let startAttempts = 3

    static let executable: String? = {
        var candidates = ["/usr/bin/etcd"]
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/etcd")
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    struct Member {
        let name: String
        let clientPort: Int
        let peerPort: Int
        let dataDirectory: String
        let logPath: String
        var process: WatchedProcess?

        var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    }

    /// The directory holding every member's data and log.
    public let directory: String
    private let token: String
    private let janitor: Watchdog
    private let lock = NSLock()
    private var members: [Member]
    private var stopped = false

    private init(memberCount: Int) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rampart-etcd-\(UUID().uuidString.prefix(8))").path
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        janitor = try DirectoryJanitor.spawn(removing: directory)
        token = "rampart-test-\(UUID().uuidString.prefix(8))"
        let ports = try FreePorts.pick(count: 2 * memberCount)
        members = (0..<memberCount).map { index in
            Member(name: "m\(index)", clientPort: ports[2 * index], peerPort: ports[2 * index + 1],
                   dataDirectory: "\(directory)/m\(index)", logPath: "\(directory)/m\(index).log")
        }
    }

    deinit {
        stop()
    }

    /// Starts `members` etcd processes on free loopback ports and waits until every one answers a
    /// linearizable read. On failure the error carries each member's log.
    public static func start(members: Int = 3) async throws -> EtcdTestCluster {
        guard let executable else {
            throw StartError(description: "etcd is not installed: apt-get install etcd-server (it provides /usr/bin/etcd)")
        }
        precondition(members >= 1, "a cluster needs at least one member")
        var attempt = 1
        while true {
            let cluster = try EtcdTestCluster(memberCount: members)
            do {
                for index in 0..<members { try cluster.launch(index, executable: executable) }
                try await cluster.waitUntilServing(Array(0..<members), quorum: true)
                return cluster
            } catch {
                let clash = cluster.logs().contains("address already in use")
                cluster.stop()
                if clash, attempt < startAttempts {
                    attempt += 1
                    continue
                }
                throw error
            }
        }
    }

    /// Every member's client URL, "http://127.0.0.1:PORT", in member order.
    public var clientEndpoints: [String] {
        lock.withLock { members.map(\.clientURL) }
    }

    /// Kills the member with SIGKILL (no clean shutdown) and waits until it is gone.
    public func kill(member index: Int) {
        let process = lock.withLock { () -> WatchedProcess? in
            defer { members[index].process = nil }
            return members[index].process
        }
        process?.kill()
    }

    /// Starts a killed member again with the same data directory and ports, and waits until it
    /// answers a status request (that needs no quorum: with too few members up it still answers).
    public func restart(member index: Int) async throws {
        guard let executable = Self.executable else { throw StartError(description: "etcd is not installed") }
        kill(member: index)
        try launch(index, executable: executable)
        try await waitUntilServing([index], quorum: false)
    }

    /// The index (into `clientEndpoints`) of the current leader, waiting up to a few seconds for
    /// an election to finish.
    public func leaderIndex() async throws -> Int {
        let endpoints = clientEndpoints
        let client = try EtcdClient(endpoints: endpoints, requestTimeout: .milliseconds(500))
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + .seconds(10)
        var last = ""
        while ContinuousClock.now < deadline {
            let statuses = await client.memberStatuses()
            if let leader = statuses.firstIndex(where: { (try? $0.status.get())?.isLeader == true }) {
                return leader
            }
            last = statuses.map { "\($0.endpoint): \((try? $0.status.get()).map { "leader \($0.leaderID.map(String.init) ?? "none")" } ?? "down")" }
                .joined(separator: ", ")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StartError(description: "no leader within 10 s (\(last))\n\(logs())")
    }

    /// Kills every member and removes the data. Safe to call more than once.
    public func stop() {
        let processes = lock.withLock { () -> [WatchedProcess]? in
            guard !stopped else { return nil }
            stopped = true
            defer { for index in members.indices { members[index].process = nil } }
            return members.compactMap(\.process)
        }
        guard let processes else { return }
        processes.forEach { $0.kill() }
        try? FileManager.default.removeItem(atPath: directory)
        DirectoryJanitor.dismiss(janitor)
    }

    /// Every member's log, for failure messages.
    public func logs() -> String {
        let paths = lock.withLock { members.map { ($0.name, $0.logPath) } }
        return paths.map { name, path in
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
            return "── \(name) (\(path)) ──\n\(text.suffix(4000))"
        }.joined(separator: "\n")
    }

    // MARK: Processes

    private func launch(_ index: Int, executable: String) throws {
        let (member, peers, stopped) = lock.withLock {
            (members[index], members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ","), self.stopped)
        }
        guard !stopped else { throw StartError(description: "the cluster in \(directory) has been stopped") }
        let arguments = [
            "--name", member.name,
            "--data-dir", member.dataDirectory,
            "--listen-client-urls", member.clientURL, "--advertise-client-urls", member.clientURL,
            "--listen-peer-urls", member.peerURL, "--initial-advertise-peer-urls", member.peerURL,
            // Ignored on a restart: the data directory already names the cluster.
            "--initial-cluster", peers, "--initial-cluster-state", "new", "--initial-cluster-token", token,
            "--heartbeat-interval", String(Self.heartbeatMilliseconds),
            "--election-timeout", String(Self.electionMilliseconds),
            "--quota-backend-bytes", String(Self.quotaBackendBytes),
            "--logger", "zap", "--log-level", "error",
        ]
        let process = try WatchedProcess.spawn(executable: executable, arguments: arguments, logPath: member.logPath)
        lock.withLock { members[index].process = process }
    }

    /// Waits until each member in `indices` answers: a linearizable read through it alone when
    /// `quorum`, else a status request. Fails at once when one of them has exited.
    private func waitUntilServing(_ indices: [Int], quorum: Bool) async throws {
        let deadline = ContinuousClock.now + Self.startTimeout
        for index in indices {
            let (endpoint, process) = lock.withLock { (members[index].clientURL, members[index].process) }
            let client = try EtcdClient(endpoints: [endpoint], requestTimeout: .milliseconds(300))
            defer { Task { await client.shutdown() } }
            while true {
                if quorum {
                    if await client.isHealthy() { break }
                } else if (try? await client.status(of: endpoint)) != nil {
                    break
                }
                guard process?.isRunning == true else {
                    throw StartError(description: "etcd member m\(index) exited during start-up\n\(logs())")
                }
                guard ContinuousClock.now < deadline else {
                    throw StartError(description: "etcd member m\(index) (\(endpoint)) did not answer within \(Self.startTimeout)\n\(logs())")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

/// A `/bin/sh` script whose stdin is a socket from this process — the lifeline. The script
/// blocks reading it; EOF comes when `release()` closes our end or when this process dies, however
/// it dies (the kernel closes its descriptors). Our end is close-on-exec, so no other child of
/// this process can inherit it and keep the script waiting.
final class Watchdog: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var lifeline: Int32

    private init(pid: pid_t, lifeline: Int32) {
        self.pid = pid
        self.lifeline = lifeline
    }

    deinit {
        release()
    }

    /// Starts `script` with `arguments` as $1…; stderr goes to `logPath`. Returns once the script
    /// has written its first line to stdout (or closed it), with that line.
    static func spawn(script: String, arguments: [String], logPath: String) throws -> (Watchdog, String) {
        var lifeline: [Int32] = [-1, -1]
        var report: [Int32] = [-1, -1]
        // Socket pairs rather than pipes: they can be created close-on-exec atomically (pipe2 is
        // not imported), so a child spawned by another thread meanwhile cannot inherit them.
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &lifeline) == 0 else { throw failure("socketpair") }
        guard socketpair(AF_UNIX, kind, 0, &report) == 0 else {
            close(lifeline[0]); close(lifeline[1])
            throw failure("socketpair")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0 and 1 clears close-on-exec for those two only.
        posix_spawn_file_actions_adddup2(&actions, lifeline[0], 0)
        posix_spawn_file_actions_adddup2(&actions, report[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The spawning thread's signal mask and handlers are not the shell's business.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ["/bin/sh", "-c", script, "rampart-etcd-watchdog"] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &cArguments, environ)
        close(lifeline[0])
        close(report[1])
        guard spawned == 0 else {
            close(lifeline[1]); close(report[0])
            throw EtcdTestCluster.StartError(description: "cannot start /bin/sh: \(String(cString: strerror(spawned)))")
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 256 {
            let n = read(report[0], &byte, 1)
            if n < 0, errno == EINTR { continue }
            guard n == 1, byte != UInt8(ascii: "\n") else { break }
            line.append(byte)
        }
        close(report[0])
        return (Watchdog(pid: pid, lifeline: lifeline[1]), String(decoding: line, as: UTF8.self))
    }

    /// Runs `first` (only if the lifeline is still open), writes `line` to the script if given,
    /// closes the lifeline and waits for the script to finish. Idempotent: later calls do nothing.
    func release(sending line: String? = nil, first: () -> Void = {}) {
        let fd = lock.withLock { () -> Int32 in
            defer { lifeline = -1 }
            if lifeline >= 0 { first() }
            return lifeline
        }
        guard fd >= 0 else { return }
        if let line {
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        close(fd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }

    private static func failure(_ call: String) -> EtcdTestCluster.StartError {
        EtcdTestCluster.StartError(description: "\(call): \(String(cString: strerror(errno)))")
    }
}

/// A program that dies with this process: its watchdog starts it in the background, reports its
/// pid, waits for the lifeline to close, then SIGKILLs and reaps it.
final class WatchedProcess: @unchecked Sendable {
    static let script = """
        program=$1; log=$2; shift 2
        "$program" "$@" </dev/null >>"$log" 2>&1 &
        echo $!
        exec >/dev/null
        read -r line
        kill -9 $! 2>/dev/null
        wait
        """

    let pid: pid_t
    private let watchdog: Watchdog

    private init(pid: pid_t, watchdog: Watchdog) {
        self.pid = pid
        self.watchdog = watchdog
    }

    deinit {
        kill()
    }

    static func spawn(executable: String, arguments: [String], logPath: String) throws -> WatchedProcess {
        let (watchdog, line) = try Watchdog.spawn(script: script, arguments: [executable, logPath] + arguments, logPath: logPath)
        guard let pid = pid_t(line) else {
            watchdog.release()
            throw EtcdTestCluster.StartError(description: "the watchdog shell did not report \(executable)'s pid")
        }
        return WatchedProcess(pid: pid, watchdog: watchdog)
    }

    /// Whether the program is still running (not exited, not a zombie awaiting its shell).
    var isRunning: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// SIGKILLs the program, then lets its watchdog reap it and exit; returns when both are gone.
    /// The pid cannot have been reused meanwhile: the program stays a zombie until the shell's
    /// `wait`, which runs only after the lifeline closes — and a second call signals nothing.
    func kill() {
        let pid = self.pid
        watchdog.release {
            #if canImport(Glibc)
            _ = Glibc.kill(pid, SIGKILL)
            #else
            _ = Musl.kill(pid, SIGKILL)
            #endif
        }
    }
}

/// Removes a directory when the test process dies without running `stop()`. Its members are
/// killed by their own watchdogs at the same moment, so it waits a little before removing their
/// data. A normal `stop()` removes the directory itself and tells the janitor to just exit.
enum DirectoryJanitor {
    static let script = """
        echo ready
        exec >/dev/null
        read -r line
        [ "$line" = stopped ] && exit 0
        sleep 1
        rm -rf -- "$1"
        """

    static func spawn(removing directory: String) throws -> Watchdog {
        try Watchdog.spawn(script: script, arguments: [directory], logPath: "/dev/null").0
    }

    static func dismiss(_ janitor: Watchdog) {
        janitor.release(sending: "stopped")
    }
}

/// Loopback ports nothing listens on right now: bound to port 0, read back, released. Another
/// process may take one before etcd binds it; `EtcdTestCluster.start` then retries.
enum FreePorts {
    static func pick(count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw EtcdTestCluster.StartError(description: "socket: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
                }
            }
            guard bound else { throw EtcdTestCluster.StartError(description: "bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}

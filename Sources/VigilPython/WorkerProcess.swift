import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A spawned worker process: its pid (also its process group) and our ends of its three pipes.
struct WorkerProcess: Sendable {
    let pid: pid_t
    /// We write requests here (the child's stdin).
    let requests: CInt
    /// We read answers here (the child's stdout).
    let answers: CInt
    /// We read its log lines here (the child's stderr).
    let output: CInt

    /// Spawns `executable` (looked up on `PATH` when it has no `/`) in a process group of its own.
    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws(SpawnError)
        -> WorkerProcess
    {
        var pipes: [(read: CInt, write: CInt)] = []
        func closeAll() {
            for pipe in pipes {
                _ = close(pipe.read)
                _ = close(pipe.write)
            }
        }
        for _ in 0..<3 {
            guard let pipe = makePipe() else {
                let code = errno
                closeAll()
                throw SpawnError(executable: executable, errno: code)
            }
            pipes.append(pipe)
        }
        let stdin = pipes[0], stdout = pipes[1], stderr = pipes[2]

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        // Every pipe end is close-on-exec; dup2 onto 0, 1, 2 clears that flag for the child's copies.
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)

        // Own process group (a kill reaches the model's own subprocesses too), default signal
        // dispositions and an empty mask, whatever this process set for itself.
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] {
            sigaddset(&defaultSignals, signal)
        }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result =
            executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        _ = close(stdin.read)
        _ = close(stdout.write)
        _ = close(stderr.write)
        guard result == 0 else {
            _ = close(stdin.write)
            _ = close(stdout.read)
            _ = close(stderr.read)
            throw SpawnError(executable: executable, errno: result)
        }
        return WorkerProcess(pid: pid, requests: stdin.write, answers: stdout.read, output: stderr.read)
    }

    /// Sends `signal` to the worker's whole process group; a group that is already gone is fine.
    func signalGroup(_ signal: CInt) {
        sendSignal(-pid, signal)
    }

    /// Reaps the worker without blocking: its exit, or nil while it still runs.
    func reap() -> ExitStatus? {
        var status: CInt = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            return ExitStatus(waitStatus: status)
        }
        if result < 0 && errno == ECHILD {
            return .unknown  // reaped by someone else
        }
        return nil
    }

    /// Once its output has ended: reaps the process without blocking (polling `waitpid` on `loop`),
    /// SIGKILLs its group if it lingers past 2 s, kills what it left in its group, and calls `body`.
    func whenExited(on loop: any EventLoop, _ body: @escaping @Sendable (ExitStatus) -> Void) {
        let started = NIODeadline.now()
        @Sendable func poll(_ delay: TimeAmount) {
            if let status = reap() {
                signalGroup(SIGKILL)
                body(status)
                return
            }
            if NIODeadline.now() - started > .seconds(2) {
                signalGroup(SIGKILL)
            }
            loop.scheduleTask(in: delay) { poll(min(delay * 2, .milliseconds(200))) }
        }
        poll(.milliseconds(1))
    }

    /// A pipe whose ends are close-on-exec and above 2, so that dup2 onto 0, 1, 2 always clears the flag.
    private static func makePipe() -> (read: CInt, write: CInt)? {
        var fds: [CInt] = [-1, -1]
        // pipe2(O_CLOEXEC) is not visible to Swift here: a process spawned by another thread between
        // pipe() and fcntl() could inherit these ends, which would only delay an EOF.
        guard pipe(&fds) == 0 else { return nil }
        for i in 0..<2 {
            if fds[i] <= 2 {
                let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
                _ = close(fds[i])
                fds[i] = moved
            } else {
                _ = fcntl(fds[i], F_SETFD, FD_CLOEXEC)
            }
        }
        guard fds[0] >= 0, fds[1] >= 0 else { return nil }
        return (fds[0], fds[1])
    }
}

/// How a worker process ended.
enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case signalled(signal: Int32)
    case unknown

    init(waitStatus: CInt) {
        let signal = waitStatus & 0x7f
        self = signal == 0 ? .exited(code: (waitStatus >> 8) & 0xff) : .signalled(signal: signal)
    }

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signalled(let signal): "signal \(signal) (\(signalName(signal)))"
        case .unknown: "an unknown status"
        }
    }
}

private func sendSignal(_ pid: pid_t, _ signal: CInt) {
    _ = kill(pid, signal)
}

private func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGKILL: "SIGKILL"
    case SIGTERM: "SIGTERM"
    case SIGSEGV: "SIGSEGV"
    case SIGABRT: "SIGABRT"
    case SIGBUS: "SIGBUS"
    case SIGINT: "SIGINT"
    default: "signal \(signal)"
    }
}

/// posix_spawn failed: the executable is missing or could not run.
struct SpawnError: Error, Sendable {
    let executable: String
    let errno: CInt

    var isNotFound: Bool { errno == ENOENT || errno == ENOTDIR }

    var reason: String { String(cString: strerror(errno)) }
}

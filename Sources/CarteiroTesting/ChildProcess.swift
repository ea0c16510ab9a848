import Foundation
import Synchronization

/// A child process started with every signal unblocked and at its default action, for peers that
/// must answer SIGTERM and SIGCHLD (Dovecot's master).
///
/// Why not Foundation's `Process`: on Linux it passes on the signal mask of the thread that
/// starts it, and a Swift concurrency thread blocks most signals, so a daemon started from an
/// async test runs with SIGTERM and SIGCHLD blocked: it never reaps its children and ignores
/// SIGTERM until it is killed.
final class ChildProcess: Sendable {
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    /// The wait status once reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`, stdin from /dev/null, stdout and stderr appended to `outputPath`.
    init(executable: String, arguments: [String], outputPath: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &fileActions, &attributes, argv, environ)
        guard status == 0 else {
            throw SpawnError(description: "could not start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    deinit {
        terminate()
    }

    /// Whether the process is still running (reaps it when it has exited).
    var isRunning: Bool {
        reaped.withLock { reaped in
            guard reaped == nil else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = status
                return false
            }
            return true
        }
    }

    /// The exit code, or 128 + the signal that ended it; nil while running.
    var exitCode: Int32? {
        guard !isRunning, let status = reaped.withLock({ $0 }) else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// SIGTERM, then SIGKILL if it has not ended within `timeout`; returns once it is reaped.
    func terminate(timeout: Duration = .seconds(10)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        guard isRunning else { return }
        kill(pid, SIGKILL)
        reaped.withLock { reaped in
            var status: Int32 = 0
            if reaped == nil, waitpid(pid, &status, 0) == pid { reaped = status }
        }
    }
}

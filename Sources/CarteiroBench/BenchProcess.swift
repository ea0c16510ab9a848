import CarteiroDomain
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process of a benchmark (a sink, a load generator, another carteiro), spawned with
/// posix_spawn and reaped with wait4.
///
/// Its peak resident set is VmHWM from /proc/PID/status, read every 10 ms until it exits:
/// wait4's ru_maxrss cannot be used, as Linux carries the parent's high-water mark over into
/// a child spawned with vfork semantics (exec records the old, shared mm's peak), so every child
/// of a benchmark holding 20,000 composed messages would seem to use as much.
final class BenchProcess: Sendable {
    struct Exit: Sendable {
        /// The exit code, or 128 + the signal that killed it.
        let status: Int32
        let peakRSSBytes: Int
        let seconds: Double
        /// User plus system time.
        let cpuSeconds: Double
    }

    let pid: pid_t
    let name: String
    private let started: ContinuousClock.Instant

    /// Starts `executable` with standard input from /dev/null, standard output to `output`
    /// and standard error to `errors` (both /dev/null when nil).
    init(_ executable: String, _ arguments: [String], output: String? = nil, errors: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw BenchError("\(executable) not found or not executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errors ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard status == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(status)))") }
        self.pid = pid
        self.name = URL(fileURLWithPath: executable).lastPathComponent
        started = .now
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the exit, watching the peak resident set meanwhile (on a thread of its own). Call once.
    func wait() async -> Exit {
        let pid = self.pid
        let started = self.started
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                var usage = rusage()
                var peak = 0
                while true {
                    peak = max(peak, Self.highWaterMark(of: pid) ?? 0)
                    let reaped = wait4(pid, &status, WNOHANG, &usage)
                    if reaped == pid || (reaped < 0 && errno != EINTR) { break }
                    usleep(10_000)
                }
                let seconds = (ContinuousClock.now - started).timeInterval
                // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
                let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
                continuation.resume(returning: Exit(status: code, peakRSSBytes: peak, seconds: seconds, cpuSeconds: cpu))
            }
        }
    }

    /// VmHWM, the peak resident set of a running process so far.
    static func highWaterMark(of pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// Ends the process: SIGTERM, then SIGKILL if it is still there after `grace`.
    @discardableResult
    func stop(grace: Duration = .seconds(5)) async -> Exit {
        signal(SIGTERM)
        return await withTaskGroup(of: Exit?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(for: grace)
                return nil
            }
            while let result = await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
                self.signal(SIGKILL)
            }
            fatalError("unreachable: the wait task always returns")
        }
    }

    /// CPU time (user + system) a running process has used so far.
    static func cpuSeconds(of pid: pid_t) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        // After the name: state, then fields 4…; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// True while the process has not exited (it may be a zombie not yet reaped).
    var isRunning: Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // The state letter follows the command name in parentheses; Z is a zombie.
        guard let close = text.lastIndex(of: ")") else { return false }
        return !text[text.index(after: close)...].dropFirst().hasPrefix("Z")
    }
}

/// Runs `body`, then stops `processes` (SIGTERM, then SIGKILL) whether it threw or not.
func stopping<T>(_ processes: BenchProcess..., body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        for process in processes { await process.stop() }
        return result
    } catch {
        for process in processes { await process.stop() }
        throw error
    }
}

enum BenchNetwork {
    /// A loopback TCP port free at the time of asking.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Waits until something listens on `port`, or fails when `process` exits first.
    static func waitUntilListening(port: Int, process: BenchProcess, timeout: Duration = .seconds(20), log: String? = nil) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if accepts(port: port) { return }
            guard process.isRunning else {
                let tail = log.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map { String($0.suffix(1_000)) } ?? ""
                throw BenchError("\(process.name) exited before listening on port \(port)\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(process.name) did not listen on port \(port) within \(timeout)")
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

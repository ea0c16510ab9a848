public import Foundation
import Synchronization

/// The built `carteiro` executable, run as a child process the way a user or an operator runs it.
/// Output is collected as it arrives, line by line with arrival times, so a test can wait for a
/// line while the process still runs.
public final class CarteiroProcess: Sendable {
    private struct Output {
        var standardOutput = Data()
        var standardError = Data()
        var outputLines: [(line: String, at: ContinuousClock.Instant)] = []
        var pendingOutput = Data()
        var closedStreams = 0
    }

    // Foundation's Process is Sendable here: safe to query and signal from any thread once started.
    private let process: Process
    private final class SharedOutput: Sendable {
        let state = Mutex(Output())
        func withLock<T>(_ body: (inout Output) -> T) -> T { state.withLock { body(&$0) } }
    }

    private let output = SharedOutput()
    private let start: ContinuousClock.Instant

    /// A user without privileges to run the child as, through util-linux's `setpriv` (which
    /// execs it: signals reach `carteiro` itself). Tests run as root, whom file permissions do
    /// not stop; as `nobody`, a store owned by root cannot be written, as in production.
    public struct User: Sendable {
        public var uid: Int
        public var gid: Int
        public static let nobody = User(uid: 65534, gid: 65534)
    }

    /// Runs the `carteiro` that `executableURL()` finds (or builds). `standardInput`, when given,
    /// is written to the child's standard input, which is then closed; otherwise the child reads
    /// from /dev/null. `descriptorLimit` runs it under `ulimit -n` (soft and hard) of that many
    /// open files, through /bin/sh, as an operator's tight limit would; `user` runs it as that
    /// user.
    public init(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil, standardInput: String? = nil,
        descriptorLimit: Int? = nil, user: User? = nil
    ) throws {
        let process = Process()
        let binary = try Self.executableURL()
        // After the look-up, which may build the binary: a result's duration is the child's alone.
        start = .now
        var command = [binary.path] + arguments
        if let user { command = ["/usr/bin/setpriv", "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups"] + command }
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\""] + command
        } else {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        }
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CARTEIRO_") }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let inputPipe = standardInput.map { _ in Pipe() }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        self.process = process
        Self.drain(outputPipe.fileHandleForReading, into: output) { state, data, now in
            state.standardOutput.append(data)
            state.pendingOutput.append(data)
            while let newline = state.pendingOutput.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.pendingOutput[state.pendingOutput.startIndex..<newline], as: UTF8.self)
                state.outputLines.append((line, now))
                state.pendingOutput = Data(state.pendingOutput[(newline + 1)...])
            }
        }
        Self.drain(errorPipe.fileHandleForReading, into: output) { state, data, _ in state.standardError.append(data) }
        try process.run()
        if let inputPipe, let standardInput {
            // A thread of its own: a child that answers as it reads would otherwise fill our
            // output pipe while we still block writing its input.
            let writer = inputPipe.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(Data(standardInput.utf8))
                try? writer.close()
            }
        }
    }

    /// Reads `handle` on a plain thread of its own, blocking until end of file (readability
    /// handlers can stall on Linux when cleared from inside themselves), and counts the EOF.
    private static func drain(
        _ handle: FileHandle, into output: SharedOutput, _ append: @escaping @Sendable (inout Output, Data, ContinuousClock.Instant) -> Void
    ) {
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                let now = ContinuousClock.now
                let finished = output.withLock { state -> Bool in
                    guard !data.isEmpty else {
                        state.closedStreams += 1
                        return true
                    }
                    append(&state, data, now)
                    return false
                }
                if finished { return }
            }
        }
    }

    /// Runs to completion (bounded by `timeout`, then killed) and returns what it printed.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil, standardInput: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let child = try CarteiroProcess(arguments, environment: environment, currentDirectory: currentDirectory, standardInput: standardInput)
        return try await child.waitForExit(timeout: timeout)
    }

    public struct Result: Sendable {
        public let exitCode: Int32
        public let standardOutput: String
        public let standardError: String
        public let duration: Duration
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { "timed out waiting for \(what)" }
    }

    /// Lines printed on standard output so far, with the time each arrived.
    public var outputLines: [(line: String, at: ContinuousClock.Instant)] { output.withLock { $0.outputLines } }
    public var standardError: String { output.withLock { String(decoding: $0.standardError, as: UTF8.self) } }

    /// Waits until standard error contains `text`.
    public func waitForStandardError(containing text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !standardError.contains(text) {
            guard process.isRunning, ContinuousClock.now < deadline else { throw TimedOut(what: "'\(text)' on stderr; got: \(standardError)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning || output.withLock({ $0.closedStreams < 2 }) {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TimedOut(what: "carteiro \((process.arguments ?? []).joined(separator: " ")) to exit")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return output.withLock { state in
            Result(
                exitCode: process.terminationStatus, standardOutput: String(decoding: state.standardOutput, as: UTF8.self),
                standardError: String(decoding: state.standardError, as: UTF8.self), duration: ContinuousClock.now - start)
        }
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

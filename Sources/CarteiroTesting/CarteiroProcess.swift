public import Foundation

/// The built `carteiro` executable, run as a child process the way a user or an operator runs it.
public final class CarteiroProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set once in init and only read afterwards;
    // Foundation's Process is thread-safe for terminate/wait.
    public let process: Process
    private let output: Pipe
    private let errors: Pipe

    /// The debug build next to the test bundle (`swift build --build-tests` builds it), or
    /// `CARTEIRO_BIN` when set.
    public static var executableURL: URL {
        if let path = ProcessInfo.processInfo.environment["CARTEIRO_BIN"] { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent(".build/debug/carteiro")
    }

    public init(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) throws {
        process = Process()
        process.executableURL = Self.executableURL
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CARTEIRO_") }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        output = Pipe()
        errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Runs to completion (bounded by `timeout`, then killed) and returns what it printed.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let child = try CarteiroProcess(arguments, environment: environment, currentDirectory: currentDirectory)
        return try await child.waitForExit(timeout: timeout)
    }

    public struct Result: Sendable {
        public let exitCode: Int32
        public let standardOutput: String
        public let standardError: String
        public let duration: Duration
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let arguments: [String]
        public var description: String { "carteiro \(arguments.joined(separator: " ")) did not exit in time" }
    }

    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Result {
        let start = ContinuousClock.now
        // Drain the pipes concurrently so a chatty child never blocks on a full pipe.
        let outputHandle = output.fileHandleForReading
        let errorHandle = errors.fileHandleForReading
        async let standardOutput = Task.detached { outputHandle.readDataToEndOfFile() }.value
        async let standardError = Task.detached { errorHandle.readDataToEndOfFile() }.value
        while process.isRunning {
            if ContinuousClock.now - start > timeout {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                _ = await (standardOutput, standardError)
                throw TimedOut(arguments: process.arguments ?? [])
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let (out, err) = await (standardOutput, standardError)
        return Result(
            exitCode: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: err, as: UTF8.self), duration: ContinuousClock.now - start)
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

import Foundation
import Synchronization

/// An nx-27017 MongoDB wire-protocol server with an in-memory database, on a free loopback port,
/// for one test. Stop it with `stop()`; it is also stopped when released.
///
/// The binary is `$CARTEIRO_NX27017` if set, else `<repository>/.venv/bin/nx-27017` (installed by
/// `scripts/setup.sh`). A missing binary is an error, so tests that need the server fail rather
/// than skip.
public final class MongoWireServer: Sendable {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    /// A connection string for a database of its own: `mongodb://127.0.0.1:PORT/carteiro_test_<random>`.
    public let uri: String
    public let databaseName: String

    private let process: Mutex<Process?>
    private let workFolder: URL

    private init(process: Process, port: Int, workFolder: URL) {
        self.process = Mutex(process)
        self.port = port
        self.workFolder = workFolder
        databaseName = "carteiro_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        uri = "mongodb://127.0.0.1:\(port)/\(databaseName)"
    }

    deinit {
        stop()
    }

    /// Starts a server and waits, at most `startTimeout`, until it accepts connections.
    public static func start(startTimeout: Duration = .seconds(20)) async throws -> MongoWireServer {
        let binary = try binaryURL()
        var lastError: (any Error)?
        // A port found free can be taken by someone else before the server binds it; try again then.
        for _ in 0..<3 {
            do {
                return try await launch(binary: binary, startTimeout: startTimeout)
            } catch let error as LaunchError where error.description.contains("exited") {
                lastError = error
            }
        }
        throw lastError ?? LaunchError(description: "nx-27017 did not start")
    }

    /// Terminates the server and deletes its files. The database lives in memory, so nothing is
    /// lost by not waiting for nx-27017's own two-second graceful shutdown: SIGTERM is followed by
    /// SIGKILL after 200 ms.
    public func stop() {
        guard
            let process = process.withLock({ stored -> Process? in
                defer { stored = nil }
                return stored
            })
        else { return }
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(0.2)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: workFolder)
    }

    private static func binaryURL() throws -> URL {
        let url: URL
        if let override = ProcessInfo.processInfo.environment["CARTEIRO_NX27017"], !override.isEmpty {
            url = URL(fileURLWithPath: override)
        } else {
            url = try repositoryRoot().appendingPathComponent(".venv/bin/nx-27017")
        }
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw LaunchError(description: "nx-27017 not found at \(url.path); run scripts/setup.sh or set CARTEIRO_NX27017")
        }
        return url
    }

    private static func launch(binary: URL, startTimeout: Duration) async throws -> MongoWireServer {
        let port = try freeLoopbackPort()
        let workFolder = FileManager.default.temporaryDirectory.appendingPathComponent("nx27017-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        let logFile = workFolder.appendingPathComponent("nx-27017.log")
        let outputFile = workFolder.appendingPathComponent("output.log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)

        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "--db", "memory", "--host", "127.0.0.1", "-p", String(port),
            "--log-file", logFile.path, "--pid-file", workFolder.appendingPathComponent("nx-27017.pid").path,
        ]
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        let server = MongoWireServer(process: process, port: port, workFolder: workFolder)

        let deadline = ContinuousClock.now + startTimeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                let tail = logTail(logFile, outputFile)
                server.stop()
                throw LaunchError(description: "nx-27017 exited with status \(process.terminationStatus) before accepting connections:\n\(tail)")
            }
            if loopbackPortAcceptsConnections(port) { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        let tail = logTail(logFile, outputFile)
        server.stop()
        throw LaunchError(description: "nx-27017 did not accept connections on port \(port) within \(startTimeout):\n\(tail)")
    }

    private static func logTail(_ files: URL...) -> String {
        files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(30)
            .joined(separator: "\n")
    }
}

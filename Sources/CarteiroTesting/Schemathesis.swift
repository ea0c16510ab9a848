import Foundation

/// schemathesis (PyPI, in the repository's `.venv`), run against a live server's served OpenAPI
/// document with its default checks and the repository's `schemathesis.toml`. A missing
/// schemathesis makes the call throw, so the test fails.
public enum Schemathesis {
    public struct Result: Sendable {
        public let exitCode: Int32
        /// What it printed (standard output and error, in order).
        public let output: String
    }

    /// `schemathesis run <documentURL> -H <header>… <options>`, waiting without blocking a thread.
    public static func run(documentURL: String, headers: [String], options: [String] = []) async throws -> Result {
        let root = try repositoryRoot(startingAt: #filePath)
        let executable = root.appendingPathComponent(".venv/bin/schemathesis")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw Failed(description: "schemathesis not found at \(executable.path); run scripts/setup.sh")
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw Failed(description: "cannot write \(log.path)") }
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", documentURL] + headers.flatMap { ["-H", $0] } + options
        // Its configuration (the statuses the document gives their meaning) is read from here.
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""]) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        return Result(exitCode: status, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }
}

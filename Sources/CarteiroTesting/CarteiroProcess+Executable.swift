public import Foundation

extension CarteiroProcess {
    /// The `carteiro` executable the tests run, found once per test process, in this order:
    /// 1. `CARTEIRO_BIN`, when set: that file, which must be executable;
    /// 2. `carteiro` in the build folder the tests run from (the test bundle's folder, such as
    ///    `.build/x86_64-unknown-linux-gnu/debug`, where `swift build --build-tests` puts both);
    /// 3. when it is not there, that file built with `swift build --product carteiro`, once.
    /// When none gives an executable, this throws one line saying how to build it: a test that
    /// needs the binary fails, it is never skipped.
    public static func executableURL() throws -> URL {
        try located.get()
    }

    /// Why no `carteiro` could be run, and how to build one.
    public struct ExecutableMissing: Error, CustomStringConvertible {
        public let description: String
    }

    // A static let is initialised once, by its first reader, while readers on other threads wait:
    // suites that start at the same time find (or build) the binary once. They block their
    // threads meanwhile, which is acceptable only because it is a one-off, in tests.
    private static let located = Swift.Result<URL, any Error> { try locateExecutable() }

    private static let buildCommand = "swift build --product carteiro"

    private static func locateExecutable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["CARTEIRO_BIN"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ExecutableMissing(description: "CARTEIRO_BIN=\(path) is not an executable file: point it at a built carteiro, or unset it")
            }
            return URL(fileURLWithPath: path)
        }
        let folder = try buildFolder()
        let executable = folder.appendingPathComponent("carteiro")
        if FileManager.default.isExecutableFile(atPath: executable.path) { return executable }
        try build(into: folder)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ExecutableMissing(
                description: "`\(buildCommand)` did not produce \(executable.path): build it with `\(buildCommand)`, or set CARTEIRO_BIN")
        }
        return executable
    }

    /// The folder of the running test bundle: SwiftPM's `<scratch path>/<triple>/<debug|release>`.
    private static func buildFolder() throws -> URL {
        #if os(Linux)
            let bundle: URL? = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
            let bundle = Bundle.allBundles.first { $0.bundleURL.pathExtension == "xctest" }?.bundleURL
        #endif
        guard let folder = bundle?.deletingLastPathComponent(), ["debug", "release"].contains(folder.lastPathComponent) else {
            throw ExecutableMissing(
                description: "the tests do not run from a SwiftPM build folder (\(bundle?.path ?? "unknown")): set CARTEIRO_BIN to a built carteiro")
        }
        return folder
    }

    /// Runs `swift build --product carteiro` for the package these tests belong to, into the
    /// scratch path and configuration of `folder`.
    private static func build(into folder: URL) throws {
        let root = try repositoryRoot(startingAt: #filePath)
        let scratch = folder.deletingLastPathComponent().deletingLastPathComponent()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-build-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `swift test` holds the scratch folder's lock while the tests run, so a plain nested build
        // would wait for it forever. Ignoring the lock is safe here: that `swift test` finished
        // building before it started the tests, and only this build writes to the folder now.
        process.arguments = [
            "swift", "build", "--package-path", root.path, "--scratch-path", scratch.path, "--configuration", folder.lastPathComponent,
            "--product", "carteiro", "--ignore-lock",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        FileHandle.standardError.write(Data("carteiro is not built in \(folder.path): running `\(buildCommand)` once for these tests\n".utf8))
        do {
            try process.run()
        } catch {
            throw ExecutableMissing(description: "cannot run `\(buildCommand)` (\(error)): build it with `\(buildCommand)`, or set CARTEIRO_BIN")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let lastLine = text.split(separator: "\n").last { $0.contains("error") } ?? text.split(separator: "\n").last ?? ""
            throw ExecutableMissing(
                description:
                    "`\(buildCommand)` failed (exit \(process.terminationStatus): \(lastLine)): build it with `\(buildCommand)`, or set CARTEIRO_BIN")
        }
    }
}

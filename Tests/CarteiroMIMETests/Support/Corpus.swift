import CarteiroTesting
import Foundation

/// The real mail the MIME tests parse: Sisimai's bounces and talon's replies, in `Tests/Fixtures`.
enum Corpus {
    static func root() throws -> URL {
        try fixturesDirectory(startingAt: #filePath)
    }

    /// The `.eml` files in a corpus folder, sorted by name.
    static func messages(in folder: String) throws -> [(name: String, bytes: [UInt8])] {
        try emlFiles(in: try root().appendingPathComponent(folder))
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root().appendingPathComponent(path), encoding: .utf8)
    }
}

/// Runs a Python 3 script (the project's venv when present) and returns what it printed.
enum Python {
    struct Failed: Error, CustomStringConvertible {
        let status: Int32
        let standardError: String
        var description: String { "python exited \(status): \(standardError)" }
    }

    static func run(_ script: String, arguments: [String]) throws -> String {
        let venv = try repositoryRoot(startingAt: #filePath).appendingPathComponent(".venv/bin/python")
        let process = Process()
        if FileManager.default.isExecutableFile(atPath: venv.path) {
            process.executableURL = venv
            process.arguments = ["-c", script] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script] + arguments
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(status: process.terminationStatus, standardError: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}

/// SplitMix64: a small seeded generator so fuzzing and boundaries are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The lines of rendered bytes, split at CRLF.
func crlfLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    var index = 0
    while index < bytes.count {
        if bytes[index] == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
            lines.append(bytes[start..<index])
            index += 2
            start = index
        } else {
            index += 1
        }
    }
    if start < bytes.count { lines.append(bytes[start...]) }
    return lines
}

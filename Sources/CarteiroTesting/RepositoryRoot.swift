public import Foundation

/// The folder holding the package's `Package.swift`, found by walking up from `filePath`
/// (by default this file, which lives inside the repository).
public func repositoryRoot(startingAt filePath: String = #filePath) throws -> URL {
    var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while folder.path != "/" {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            return folder
        }
        folder = folder.deletingLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no Package.swift above \(filePath)"])
}

/// `Tests/Fixtures`: the real data sets (mail corpora, Banking77) the tests read, each with its
/// licence and origin beside it. Found from the caller's source file, so a fresh clone has it.
public func fixturesDirectory(startingAt filePath: String = #filePath) throws -> URL {
    try repositoryRoot(startingAt: filePath).appendingPathComponent("Tests/Fixtures")
}

/// The `.eml` files of a folder, sorted by name, with their bytes: a fixture corpus of real mail.
public func emlFiles(in directory: URL) throws -> [(name: String, bytes: [UInt8])] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }.sorted()
    return try names.map { name in (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))) }
}

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

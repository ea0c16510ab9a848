import CarteiroTesting
import Foundation

/// The shared corpora beside the repository (`<repo root>/../shared/corpora`).
enum Corpora {
    static func directory() throws -> String {
        try repositoryRoot(startingAt: #filePath).deletingLastPathComponent().appendingPathComponent("shared/corpora").path
    }
}

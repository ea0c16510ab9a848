import CarteiroTesting
import Foundation

/// The labelled data sets the NLU tests train and score on (Banking77), in `Tests/Fixtures`.
enum Corpora {
    static func directory() throws -> String {
        try fixturesDirectory(startingAt: #filePath).path
    }
}

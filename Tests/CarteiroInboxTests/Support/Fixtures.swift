import CarteiroMIME
import CarteiroTesting
import Foundation

/// The real mail the inbox tests read (talon's replies, Sisimai's bounces), in `Tests/Fixtures`.
enum Fixtures {
    static func root() throws -> URL {
        try fixturesDirectory(startingAt: #filePath)
    }

    /// The `.eml` files in a fixture folder, sorted by name.
    static func messages(in folder: String) throws -> [(name: String, bytes: [UInt8])] {
        try emlFiles(in: try root().appendingPathComponent(folder))
    }

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root().appendingPathComponent(path))
    }
}

/// A message written in a test, with bare LF line endings (the parser takes both).
func message(_ text: String) -> ParsedMessage {
    ParsedMessage.parse(Array(text.utf8))
}

extension String {
    /// Without trailing spaces, tabs and line breaks.
    var trimmingTrailingWhitespace: String {
        String(reversed().drop(while: \.isWhitespace).reversed())
    }
}

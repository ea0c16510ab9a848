import CarteiroTesting
import Foundation

/// The shipped support bot (`bots/support.yml`), as the commands under test are given it.
enum SupportBot {
    static let file: String = {
        do {
            return try repositoryRoot(startingAt: #filePath).appendingPathComponent("bots/support.yml").path
        } catch {
            fatalError("no repository root above \(#filePath): \(error)")
        }
    }()
}

import CarteiroServer
import CarteiroTesting
import Foundation
import Testing

/// `serve --help` and `send --help` list the keys as the code declares them (the README's table
/// is checked against the same declarations).
@Suite struct CommandHelpTests {
    /// The help with its line wrapping undone.
    private func help(_ command: String) async throws -> String {
        let result = try await CarteiroProcess.run([command, "--help"], timeout: .seconds(20))
        #expect(result.exitCode == 0)
        return result.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func serveHelpListsEveryKeyWithItsVariableAndDefault() async throws {
        let text = try await help("serve")
        for setting in ServerConfiguration.settings {
            guard let flagRange = text.range(of: "--\(setting.flag) ") else {
                Issue.record("--\(setting.flag) missing from serve --help")
                continue
            }
            // The first variable named after the flag is its own, and its default follows it.
            let rest = text[flagRange.upperBound...]
            let variable = rest.range(of: "[env: ").map { rest[$0.upperBound...].prefix { $0 != "]" && $0 != "," } }
            #expect(variable.map(String.init) == setting.environment, "--\(setting.flag)")
            let suffix = setting.isList ? ", comma list]" : "]"
            let shown = setting.defaultText.map { " (default: \($0))" } ?? ""
            #expect(text.contains("[env: \(setting.environment)\(suffix)\(shown)"), "--\(setting.flag)")
        }
    }

    @Test func sendHelpListsTheStoreAndDeliveryKeysUnderTheSameNames() async throws {
        let text = try await help("send")
        for setting in StoreConfiguration.Keys.all + DeliveryConfiguration.Keys.all {
            #expect(text.contains("--\(setting.flag) "), "--\(setting.flag) missing from send --help")
            #expect(text.contains("[env: \(setting.environment)"), "\(setting.environment) missing from send --help")
        }
    }
}

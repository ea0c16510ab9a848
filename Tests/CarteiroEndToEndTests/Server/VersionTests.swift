import CarteiroTesting
import Testing

/// `carteiro --version` as a process.
@Suite struct VersionTests {
    @Test func versionPrintsOneSemanticVersionLineAndExitsZero() async throws {
        let result = try await CarteiroProcess.run(["--version"], timeout: .seconds(20))
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardOutput)")
        #expect(lines.first?.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/) != nil, "\(result.standardOutput)")
        #expect(result.standardError.isEmpty)
    }
}

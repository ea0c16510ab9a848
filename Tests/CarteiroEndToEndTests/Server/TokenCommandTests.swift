import CarteiroTesting
import Foundation
import Testing

/// `carteiro token create|list|revoke` as an operator runs them.
@Suite("carteiro token", .timeLimit(.minutes(2)))
struct TokenCommandTests {
    @Test func listShowsEveryTokenWithScopeTimesAndStatusButNeverItsSecretOrHash() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let before = Date()
        let agent = try await create(["--name", "ana", "--scope", "agent"] + store)
        let reports = try await create(["--name", "ci", "--scope", "reports", "--expires-in", "90d"] + store)
        let revoked = try await CarteiroProcess.run(["token", "revoke", "--name", "ana"] + store)
        #expect(revoked.exitCode == 0, "\(revoked.standardError)")

        let listed = try await CarteiroProcess.run(["token", "list"] + store)
        #expect(listed.exitCode == 0, "\(listed.standardError)")
        let table = TokenTable(listed.standardOutput)
        #expect(table.header == ["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES", "STATUS"], "\(listed.standardOutput)")
        #expect(table.rows.count == 2)
        let ana = try #require(table.row(named: "ana"))
        #expect(ana["SCOPE"] == "agent")
        #expect(ana["LAST USED"] == "never")
        #expect(ana["EXPIRES"] == "never")
        #expect(ana["STATUS"] == "revoked")
        let ci = try #require(table.row(named: "ci"))
        #expect(ci["SCOPE"] == "reports")
        #expect(ci["STATUS"] == "active")
        let expires = try #require(ci["EXPIRES"].flatMap { try? Date($0, strategy: .iso8601) }, "\(ci)")
        let ninetyDays: TimeInterval = 90 * 86_400
        #expect(expires.timeIntervalSince(before) >= ninetyDays - 1 && expires.timeIntervalSince(Date()) <= ninetyDays + 1, "\(ci)")
        let created = try #require(ci["CREATED"].flatMap { try? Date($0, strategy: .iso8601) })
        #expect(abs(created.timeIntervalSince(before)) < 60)

        for secret in [agent, reports] { #expect(!listed.standardOutput.contains(secret)) }
        #expect(!listed.standardOutput.contains(try Regex("[0-9a-f]{64}")), "no hash either: \(listed.standardOutput)")
    }

    @Test(arguments: ["90x", "0d", "-5m", "d", "1.5h", "12 h", "999999999999d"])
    func aBadExpiresInExitsTwoWithOneLine(_ value: String) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await CarteiroProcess.run(["token", "create", "--name", "ana", "--expires-in", value, "--data-dir", folder.path])
        #expect(result.exitCode == 2)
        #expect(result.standardOutput.isEmpty, "no token is printed")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("--expires-in"))
        let listed = try await CarteiroProcess.run(["token", "list", "--data-dir", folder.path])
        #expect(TokenTable(listed.standardOutput).rows.isEmpty, "nothing was stored")
    }

    @Test func aTokenPastItsExpiryIsListedAsExpired() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        _ = try await create(["--name", "short", "--scope", "agent", "--expires-in", "1s", "--data-dir", folder.path])
        var status: String?
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let listed = try await CarteiroProcess.run(["token", "list", "--data-dir", folder.path])
            status = TokenTable(listed.standardOutput).row(named: "short")?["STATUS"]
            if status == "expired" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status == "expired")
    }

    private func create(_ arguments: [String]) async throws -> String {
        let result = try await CarteiroProcess.run(["token", "create"] + arguments)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let secret = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 22, "only the secret is printed: \(result.standardOutput)")
        return secret
    }
}

/// The table `carteiro token list` prints: columns two or more spaces apart, the header first.
struct TokenTable {
    let header: [String]
    let rows: [[String: String]]

    init(_ text: String) {
        let lines = text.split(separator: "\n").map { line in
            line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let header = lines.first ?? []
        self.header = header
        rows = lines.dropFirst().map { cells in Dictionary(zip(header, cells), uniquingKeysWith: { first, _ in first }) }
    }

    func row(named name: String) -> [String: String]? { rows.first { $0["NAME"] == name } }
}

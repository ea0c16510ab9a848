import CarteiroDelivery
import CarteiroDomain
import CarteiroServer
import CarteiroTesting
import CarteiroMIME
import CarteiroUseCases
import CarteiroWebhooks
import Configuration
import Foundation
import Testing

/// Configuration is read once, from flags, the environment, a file and the defaults in that
/// order, and documented in one place that the README repeats.
@Suite struct ConfigurationSourceTests {
    /// One row of the README's configuration table.
    struct Row: Hashable, CustomStringConvertible {
        var flag: String
        var environment: String
        var key: String
        var defaultText: String?
        var description: String { "--\(flag) \(environment) \(key) \(defaultText ?? "none")" }
    }

    static func readmeRows() throws -> [Row] {
        let readme = try String(contentsOf: try repositoryRoot().appendingPathComponent("README.md"), encoding: .utf8)
        // The table of the "Configuration" section, up to the next section.
        let section = readme.components(separatedBy: "\n## Configuration\n").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        return section.split(separator: "\n").filter { $0.hasPrefix("| `--") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func code(_ cell: String) -> String? {
                guard let start = cell.firstIndex(of: "`") else { return nil }
                let rest = cell[cell.index(after: start)...]
                return rest.firstIndex(of: "`").map { String(rest[..<$0]) }
            }
            let flag = code(cells[1])!.dropFirst(2).split(separator: " ").first.map(String.init) ?? ""
            return Row(flag: flag, environment: code(cells[2]) ?? "", key: code(cells[3]) ?? "", defaultText: code(cells[4]))
        }
    }

    static var codeRows: [Row] {
        ServerConfiguration.settings.map { Row(flag: $0.flag, environment: $0.environment, key: $0.key, defaultText: $0.defaultText) }
    }

    @Test func readmeTableListsEveryKeyWithItsNamesAndDefaultAsTheCodeDoes() throws {
        let readme = try Self.readmeRows()
        #expect(readme.count == Self.codeRows.count, "one README row per key")
        #expect(Set(readme) == Set(Self.codeRows), "README rows that differ: \(Set(readme).symmetricDifference(Set(Self.codeRows)))")
    }

    @Test func everyKeyHasItsOwnFlagVariableAndFileKey() {
        let settings = ServerConfiguration.settings
        #expect(Set(settings.map(\.flag)).count == settings.count)
        #expect(Set(settings.map(\.environment)).count == settings.count)
        #expect(Set(settings.map(\.key)).count == settings.count)
        #expect(settings.allSatisfy { $0.environment.hasPrefix("CARTEIRO_") })
    }

    private func read(flags: (inout ConfigurationSources) -> Void = { _ in }, environment: [String: String] = [:], file: String? = nil) async throws
        -> ServerConfiguration
    {
        var sources = ConfigurationSources(settings: ServerConfiguration.settings, file: file, environment: environment)
        flags(&sources)
        let reading = try await sources.makeReader()
        let configuration = try ServerConfiguration(reader: reading.reader)
        try reading.check()
        return configuration
    }

    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("carteiro.yaml").path
        try """
            http:
              port: 7001
              host: 0.0.0.0
            delivery:
              batchSize: 50
              leaseSeconds: 45
              relays: ["smtp://a.example:25", "smtp://b.example:25"]
            chat:
              burst: 7
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await read(file: file)
        #expect(fromFile.port == 7001)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.delivery.batchSize == 50)
        #expect(fromFile.delivery.leaseDuration == .seconds(45))
        #expect(fromFile.delivery.relays == ["smtp://a.example:25", "smtp://b.example:25"])
        #expect(fromFile.chat.burst == 7)
        #expect(fromFile.chat.framesPerSecond == ChatConfiguration.Keys.rate.defaultValue, "a key the file lacks keeps its default")

        let fromEnvironment = try await read(environment: ["CARTEIRO_PORT": "7002", "CARTEIRO_BATCH_SIZE": "60"], file: file)
        #expect(fromEnvironment.port == 7002)
        #expect(fromEnvironment.delivery.batchSize == 60)
        #expect(fromEnvironment.host == "0.0.0.0")

        let fromFlag = try await read(
            flags: { $0.flag(ServerConfiguration.Keys.port, 7003) }, environment: ["CARTEIRO_PORT": "7002"], file: file)
        #expect(fromFlag.port == 7003)
        #expect(fromFlag.delivery.batchSize == 50)
    }

    @Test func signUpMailAndInboxesAreReadAndCheckedWithTheirKeysNamed() async throws {
        typealias Keys = SignUpConfiguration.Keys
        let configured = try await read(
            flags: {
                $0.flag(Keys.signUpAddress, "Loja Exemplo <cadastro@loja.example>")
                $0.flag(Keys.inboxes, ["imap://cadastro:s%40gredo@127.0.0.1:1143/INBOX", "imaps://suporte:x@mail.loja.example/INBOX"])
            },
            environment: ["CARTEIRO_PUBLIC_URL": "https://loja.example/", "CARTEIRO_INBOX_INTERVAL": "2m"])
        let mail = try #require(configured.signUps.mail)
        #expect(mail.signUpAddress.address == "cadastro@loja.example")
        #expect(mail.mailFrom.address == "cadastro@loja.example", "From defaults to the sign-up address")
        #expect(try mail.replyAddress(for: String(repeating: "a", count: 32)).address == "cadastro+\(String(repeating: "a", count: 32))@loja.example")
        #expect(mail.confirmLink(for: "tok") == "https://loja.example/confirm/tok")
        #expect(configured.signUps.inboxes.count == 2)
        #expect(configured.signUps.inboxInterval == .seconds(120))
        #expect(try await read().signUps.mail == nil, "no sign-up address: no sign-up mail")
        let linksOnly = try await read(flags: { $0.flag(Keys.publicURL, "https://mail.loja.example") })
        #expect(linksOnly.signUps.publicURL?.absoluteString == "https://mail.loja.example", "a public URL alone gives tracking and unsubscribe links")
        #expect(linksOnly.signUps.machineOpenWindow == .seconds(10))

        for (flags, key): ((inout ConfigurationSources) -> Void, String) in [
            ({ $0.flag(Keys.signUpAddress, "not an address") }, Keys.signUpAddress.flag),
            ({ $0.flag(Keys.mailFrom, "Loja <contato@loja.example>") }, Keys.signUpAddress.flag),
            ({ $0.flag(Keys.inboxes, ["pop3://a:b@host/INBOX"]) }, Keys.inboxes.flag),
            ({ $0.flag(Keys.inboxes, ["imap://host/INBOX"]) }, Keys.inboxes.flag),
            ({ $0.flag(Keys.inboxInterval, "soon") }, Keys.inboxInterval.flag),
            ({ $0.flag(Keys.inboxInterval, "0s") }, Keys.inboxInterval.flag),
            ({ $0.flag(Keys.machineOpenWindow, "a while") }, Keys.machineOpenWindow.flag),
            ({
                $0.flag(Keys.signUpAddress, "cadastro@loja.example")
                $0.flag(Keys.publicURL, "ftp://loja.example")
            }, Keys.publicURL.flag),
        ] {
            let error = await #expect(throws: ConfigurationError.self) { try await read(flags: flags) }
            #expect(error?.key == key)
        }
        let refused = await #expect(throws: ConfigurationError.self) {
            try await read(flags: { $0.flag(Keys.inboxes, ["imaps://user:hunter2@"]) })
        }
        #expect(refused?.message.contains("hunter2") == false, "the password is not repeated: \(refused?.message ?? "")")
    }

    @Test func webhookRetryWindowBackoffCapAndTimeoutAreReadAndCheckedWithTheirKeysNamed() async throws {
        typealias Keys = WebhookConfiguration.Keys
        let defaults = try await read().webhooks
        #expect(defaults.retryWindow == 86_400 && defaults.backoff.cap == 600 && defaults.requestTimeout == 10)
        let configured = try await read(
            flags: { $0.flag(Keys.retryWindow, "90s") }, environment: ["CARTEIRO_WEBHOOK_BACKOFF_CAP": "2m", "CARTEIRO_WEBHOOK_TIMEOUT": "30s"])
        #expect(configured.webhooks.retryWindow == 90 && configured.webhooks.backoff.cap == 120)
        #expect(configured.webhooks.requestTimeout == 30 && configured.webhooks.leaseDuration == 90, "the lease outlasts three requests")
        for (flags, key): ((inout ConfigurationSources) -> Void, String) in [
            ({ $0.flag(Keys.retryWindow, "soon") }, Keys.retryWindow.flag),
            ({ $0.flag(Keys.retryWindow, "0s") }, Keys.retryWindow.flag),
            ({ $0.flag(Keys.backoffCap, "2d") }, Keys.backoffCap.flag),
            ({ $0.flag(Keys.requestTimeout, "1h") }, Keys.requestTimeout.flag),
            ({ $0.flag(Keys.requestTimeout, "500ms") }, Keys.requestTimeout.flag),
        ] {
            let error = await #expect(throws: ConfigurationError.self) { try await read(flags: flags) }
            #expect(error?.key == key)
        }
    }

    @Test func aJSONFileIsReadLikeAYAMLOne() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("carteiro.json").path
        try #"{"http": {"port": 7004}, "delivery": {"strategy": "weighted"}}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try await read(file: file)
        #expect(configuration.port == 7004)
        #expect(configuration.delivery.strategy == .weighted)
    }

    @Test func aValueOfTheWrongTypeIsRefusedNamingItsKeyNotReplacedByTheDefault() async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await read(environment: ["CARTEIRO_CHAT_BURST": "many"])
        }
        #expect(error?.key == "chat-burst")
        #expect(error?.description.contains("CARTEIRO_CHAT_BURST") == true)
    }

    @Test func aMissingConfigurationFileIsRefused() async throws {
        let error = await #expect(throws: ConfigurationError.self) { _ = try await read(file: "/nonexistent/carteiro.yaml") }
        #expect(error?.key == "config")
    }

    /// `--roles ''` and `CARTEIRO_ROLES=""` used to start every role; other empty variables
    /// still count as unset.
    @Test func anEmptyRoleListIsRefusedAsAFlagAnEnvironmentVariableOrAFileKey() async throws {
        for name in ["", " , "] {
            let error = #expect(throws: ConfigurationError.self) { try Role.parseList(name) }
            #expect(error?.key == "roles")
            #expect(error?.message.contains("empty") == true)
        }
        await #expect(throws: ConfigurationError.self) { _ = try await read(flags: { $0.flag(ServerConfiguration.Keys.roles, "") }) }
        let fromEnvironment = await #expect(throws: ConfigurationError.self) { _ = try await read(environment: ["CARTEIRO_ROLES": ""]) }
        #expect(fromEnvironment?.key == "roles")
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("carteiro.yaml").path
        try "roles: \"\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(throws: ConfigurationError.self) { _ = try await read(file: file) }
        #expect(try await read(environment: ["CARTEIRO_PORT": "", "CARTEIRO_HOST": ""]).port == 8080, "other empty variables are unset")
    }

    @Test func rolesThatAreNotBuiltYetAreRefusedByNameAndAllMeansTheBuiltOnes() throws {
        #expect(try Role.parseList("all") == [.api, .chat, .inbox, .worker])
        for name in ["scheduler"] {
            let error = #expect(throws: ConfigurationError.self) { try Role.parseList("chat,\(name)") }
            #expect(error?.message.contains("not built yet") == true)
        }
    }
}

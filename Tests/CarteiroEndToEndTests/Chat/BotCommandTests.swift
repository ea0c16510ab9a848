import CarteiroTesting
import Foundation
import Testing

/// `carteiro bot classify` and `carteiro bot ask` as processes, on the shipped bot and a broken one.
@Suite struct BotCommandTests {
    @Test func classifyAnswersEachStdinLineWithOneJSONLine() async throws {
        let input = "quero a segunda via da fatura\nqual a capital da França?\n\nmy internet is down\n"
        let result = try await CarteiroProcess.run(["bot", "classify", "--bot", SupportBot.file], standardInput: input)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "a blank line is skipped: \(lines)")
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["text"] as? String } == ["quero a segunda via da fatura", "qual a capital da França?", "my internet is down"])
        #expect(objects[0]["intent"] as? String == "invoice_copy")
        #expect(objects[1]["intent"] is NSNull, "out of scope is null, not absent")
        #expect(objects[2]["intent"] as? String == "no_connection")
        for object in objects {
            let confidence = try #require(object["confidence"] as? Double)
            #expect((0...1).contains(confidence))
        }
    }

    @Test func askPrintsTheIntentAndTheReply() async throws {
        let result = try await CarteiroProcess.run(["bot", "ask", "--bot", SupportBot.file, "--locale", "pt-BR", "quero agendar uma visita técnica"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("intent: technician_visit (0.") == true, "\(lines)")
        #expect(lines.contains("bot: Qual o endereço completo da visita (rua, número e bairro)?"))
        #expect(lines.contains("flow: technician_visit"))
    }

    @Test func askDetectsEnglishAndReportsTheHandoff() async throws {
        let result = try await CarteiroProcess.run(["bot", "ask", "--bot", SupportBot.file, "I want to talk to a person"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("intent: human_agent ("))
        #expect(result.standardOutput.contains("locale: en"))
        #expect(result.standardOutput.contains("handoff: intent:human_agent"))
    }

    @Test func aBadBotFileExitsTwoWithOneLineNamingTheFileAndKey() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = try String(contentsOfFile: SupportBot.file, encoding: .utf8).replacingOccurrences(of: "flow: signup", with: "flow: sign_up")
        let path = folder.path + "/broken.yml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        for command in [["bot", "classify", "--bot", path], ["bot", "ask", "--bot", path, "oi"]] {
            let result = try await CarteiroProcess.run(command, standardInput: "oi\n")
            #expect(result.exitCode == 2)
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(result.standardError)")
            #expect(lines.first?.contains("\(path): intents.signup.flow: unknown flow 'sign_up'") == true, "\(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
    }
}

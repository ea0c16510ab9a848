import CarteiroTesting
import Foundation
import Testing

/// `carteiro bot eval` as a process: figures from a small labelled set, one line for bad input.
@Suite struct BotEvalCommandTests {
    private func csv(_ rows: [(String, String)]) -> String {
        "text,category\n" + rows.map { "\"\($0.0)\",\($0.1)" }.joined(separator: "\n") + "\n"
    }

    @Test func trainsOnOneFileScoresTheOtherAndPrintsTheFigures() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let train = [
            ("estou sem internet", "no_connection"), ("a internet caiu", "no_connection"), ("sem conexão desde ontem", "no_connection"),
            ("my internet is down", "no_connection"), ("quero a segunda via da fatura", "invoice_copy"), ("me manda o boleto", "invoice_copy"),
            ("send me my bill", "invoice_copy"), ("segunda via do boleto por favor", "invoice_copy"), ("quero cancelar o contrato", "cancel_service"),
            ("cancelar minha internet", "cancel_service"), ("I want to cancel", "cancel_service"), ("como faço para cancelar", "cancel_service"),
        ]
        let test = [("a internet parou, estou sem conexão", "no_connection"), ("preciso da fatura, segunda via", "invoice_copy"), ("cancel my contract", "cancel_service")]
        try csv(train).write(to: folder.url.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try csv(test).write(to: folder.url.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)

        let text = try await CarteiroProcess.run(["bot", "eval", "--train", folder.path + "/train.csv", "--test", folder.path + "/test.csv"])
        #expect(text.exitCode == 0, "\(text.standardError)")
        #expect(text.standardOutput.hasPrefix("accuracy: 1.0000"), "\(text.standardOutput)")
        for figure in ["macro-F1:", "training seconds:", "µs/utterance:", "no_connection", "invoice_copy", "cancel_service"] {
            #expect(text.standardOutput.contains(figure))
        }

        let json = try await CarteiroProcess.run(["bot", "eval", "--train", folder.path + "/train.csv", "--test", folder.path + "/test.csv", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((object?["evaluation"] as? [String: Any])?["accuracy"] as? Double == 1.0)
        #expect((object?["microsecondsPerUtterance"] as? Double ?? 0) > 0)
    }

    @Test func aMissingOrMalformedFileExitsTwoWithOneLine() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try "words,label\nhello,greeting\n".write(to: folder.url.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        for arguments in [["--train", folder.path + "/missing.csv", "--test", folder.path + "/bad.csv"], ["--train", folder.path + "/bad.csv", "--test", folder.path + "/bad.csv"]] {
            let result = try await CarteiroProcess.run(["bot", "eval"] + arguments)
            #expect(result.exitCode == 2)
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
    }
}

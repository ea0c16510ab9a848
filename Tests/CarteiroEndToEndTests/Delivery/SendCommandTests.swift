import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroTesting
import Foundation
import Testing

/// `carteiro send` end to end against a real SMTP server on loopback.
@Suite(.serialized) struct SendCommandTests {
    private func writeCSV(_ text: String, in folder: TemporaryDirectory) throws -> String {
        let file = folder.url.appendingPathComponent("list.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func accentedAndEmojiSubjectsAndNamesArriveExactlyAsPythonStrictReadsThem() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let csv = try writeCSV(
            "email,name,plano\nana@example.com,\"Souza, Ana \"\"Aninha\"\"\",Fibra 500\njose@example.com,José Ñúñez,Fibra 1 Giga\nANA@example.com,Ana de novo,x\n",
            in: folder)
        let result = try await CarteiroProcess.run([
            "send", "--from", "ofertas@isp.example", "--from-name", "Provedor Ação", "--subject", "Promoção de Natal 🎄 — {{plano}} até 50% off",
            "--text", "Olá {{name}}, seu plano {{plano}}.", "--to-file", csv, "--relay", sink.url,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("sent: 2"))
        let messages = await sink.waitForMessages(2)
        #expect(messages.count == 2, "the repeated address got one message")
        let parsed = try messages.map { try PythonEmail.parse($0.data) }.sorted { $0.to[0] < $1.to[0] }
        #expect(parsed.map(\.to) == [["ana@example.com"], ["jose@example.com"]])
        #expect(parsed[0].subject == "Promoção de Natal 🎄 — Fibra 500 até 50% off")
        #expect(parsed[1].subject == "Promoção de Natal 🎄 — Fibra 1 Giga até 50% off")
        #expect(parsed[0].fromName == "Provedor Ação")
        #expect(parsed[1].headers["To"]?.contains("José Ñúñez") == true)
        #expect(parsed[0].headers["To"]?.contains("Souza, Ana \"Aninha\"") == true || parsed[0].headers["To"]?.contains("Souza, Ana") == true)
        #expect(parsed[1].text?.hasPrefix("Olá José Ñúñez, seu plano Fibra 1 Giga.") == true)
    }

    @Test func withAPublicURLBulkMailCarriesOneClickUnsubscribeAndWithoutOneItDoesNot() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        for (publicURL, recipient) in [("https://mail.isp.example/", "ana@example.com"), (nil, "bia@example.com")] {
            let result = try await CarteiroProcess.run(
                ["send", "--from", "ofertas@isp.example", "--subject", "Oferta", "--text", "Oi", "--to", recipient, "--relay", sink.url, "--data-dir", folder.path]
                    + (publicURL.map { ["--public-url", $0] } ?? []))
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
        let messages = await sink.waitForMessages(2)
        let withLinks = ParsedMessage.parse(try #require(messages.first { $0.recipients.contains("ana@example.com") }).data)
        let header = try #require(withLinks.headers.value(for: "List-Unsubscribe"))
        #expect(header.hasPrefix("<https://mail.isp.example/u/"), "\(header)")
        #expect(header.contains("<mailto:ofertas@isp.example?"), "the sender's address, no watched mailbox being known")
        #expect(withLinks.headers.value(for: "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(withLinks.headers.value(for: "Precedence") == "bulk")
        let without = ParsedMessage.parse(try #require(messages.first { $0.recipients.contains("bia@example.com") }).data)
        #expect(without.headers.value(for: "List-Unsubscribe") == nil)
        #expect(without.headers.value(for: "Precedence") == "bulk")
    }

    @Test func refusedRecipientsMakeExitOneWithTheServersReply() async throws {
        let sink = try await SMTPSink.Scripted.start(
            .init(recipientReplies: [("^nobody@", "550 5.1.1 <nobody@example.com>: Recipient address rejected")]))
        defer { sink.stop() }
        let result = try await CarteiroProcess.run([
            "send", "--from", "a@isp.example", "--subject", "x", "--text", "y", "--to", "ana@example.com", "--to", "nobody@example.com",
            "--relay", sink.url, "--json",
        ])
        #expect(result.exitCode == 1)
        let summary = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(summary?["sent"] as? Int == 1)
        #expect(summary?["failed"] as? Int == 1)
        let reasons = (summary?["failures"] as? [String: [String]])?.keys.joined() ?? ""
        #expect(reasons.contains("550") && reasons.contains("5.1.1"))
    }

    @Test func malformedCSVRowIsReportedWithItsLineAndNothingIsSent() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let csv = try writeCSV("email,name\nana@example.com,Ana\nnot-an-address,Rui\nbia@example.com,Bia\n", in: folder)
        let result = try await CarteiroProcess.run([
            "send", "--from", "a@isp.example", "--subject", "x", "--text", "y", "--to-file", csv, "--relay", sink.url,
        ])
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("line 3"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(sink.messageCount() == 0)
    }

    @Test func withoutARelayMessagesAreWrittenAsEmlFiles() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await CarteiroProcess.run(
            ["send", "--from", "a@isp.example", "--subject", "Oi {{name}}", "--text", "y", "--to", "ana@example.com"], currentDirectory: folder.url)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let outbox = folder.url.appendingPathComponent("carteiro-data/outbox")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 1)
        let parsed = try PythonEmail.parse(Array(try Data(contentsOf: outbox.appendingPathComponent(files[0]))))
        #expect(parsed.to == ["ana@example.com"])
        #expect(parsed.messageID == "<\(files[0].dropLast(4))@isp.example>")
    }

    @Test func queueOnlyStoresTheJobsAndSendsNothingUntilAWorkerRunsThem() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let csv = try writeCSV("email,name\nana@example.com,Ana\njose@example.com,José\nANA@example.com,Ana de novo\n", in: folder)
        let queued = try await CarteiroProcess.run([
            "send", "--from", "a@isp.example", "--subject", "Oi {{name}}", "--text", "y", "--to-file", csv, "--relay", sink.url,
            "--data-dir", folder.path, "--queue-only", "--json",
        ])
        #expect(queued.exitCode == 0, "\(queued.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(queued.standardOutput.utf8)) as? [String: Any])
        let sendID = try #require(summary["sendID"] as? String)
        #expect(summary["requested"] as? Int == 3)
        #expect(summary["duplicates"] as? Int == 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(sink.messageCount() == 0, "--queue-only sends nothing")

        // The jobs are in the store: a worker on it (here `send --resume`) sends exactly them.
        let resumed = try await CarteiroProcess.run(["send", "--resume", sendID, "--relay", sink.url, "--data-dir", folder.path, "--json"])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        let messages = await sink.waitForMessages(2)
        #expect(Set(messages.flatMap(\.recipients)) == ["ana@example.com", "jose@example.com"])
    }

    // Issue 14: what composing would refuse is bad input, found before anything is stored
    // (exit 2, nothing stored), where it used to store the jobs and fail them at send time (exit 1).
    @Test func headerInjectionThroughATemplateValueSendsNothing() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let csv = try writeCSV(
            "email,name,tema\nbia@example.com,Bia,oi\nana@example.com,Ana,\"oi\nBcc: everyone@example.com\"\nrui@example.com,\"Rui\r\nBcc: x@example.com\",oi\n",
            in: folder)
        let result = try await CarteiroProcess.run([
            "send", "--from", "a@isp.example", "--subject", "{{tema}}", "--text", "y", "--to-file", csv, "--relay", sink.url,
            "--data-dir", folder.url.appendingPathComponent("data").path,
        ])
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("Subject"))
        #expect(result.standardError.contains("line 3") && result.standardError.contains("line 5"), "\(result.standardError)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(sink.messageCount() == 0, "not even the good recipient")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("data/carteiro.sqlite").path), "nothing stored")
    }
}

/// `carteiro dkim keygen` then `carteiro send --dkim-key …`: the sent message carries one
/// signature per key under the selectors keygen printed. (CarteiroDKIMTests verifies such
/// signatures with dkimpy.)
@Suite(.serialized) struct SignedSendTests {
    @Test func messagesSentWithGeneratedRSAAndEd25519KeysCarryBothSignatures() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let keygen = try await CarteiroProcess.run(
            ["dkim", "keygen", "--domain", "isp.example", "--selector", "s1", "--algorithm", "both", "--out", folder.path])
        #expect(keygen.exitCode == 0, "\(keygen.standardError)")
        let again = try await CarteiroProcess.run(["dkim", "keygen", "--domain", "isp.example", "--selector", "s1", "--out", folder.path])
        #expect(again.exitCode == 2, "an existing key is never overwritten")
        let records = keygen.standardOutput.split(separator: "\n").map(String.init)
        #expect(records.count == 2)
        #expect(records.contains { $0.hasPrefix("s1._domainkey.isp.example. IN TXT \"v=DKIM1; k=rsa; p=") })
        #expect(records.contains { $0.hasPrefix("s1-ed25519._domainkey.isp.example. IN TXT \"v=DKIM1; k=ed25519; p=") })

        let send = try await CarteiroProcess.run([
            "send", "--from", "ofertas@isp.example", "--subject", "Promoção {{name}}", "--text", "Olá",
            "--to", "ana@example.com", "--relay", sink.url, "--data-dir", folder.path, "--dkim-selector", "s1",
            "--dkim-key", folder.url.appendingPathComponent("s1.rsa.pem").path, "--dkim-key",
            folder.url.appendingPathComponent("s1.ed25519.pem").path,
        ])
        #expect(send.exitCode == 0, "\(send.standardError)")
        let message = try #require(await sink.waitForMessages(1).first)
        let signatures = ParsedMessage.parse(message.data).headers.values(for: "DKIM-Signature").map { $0.replacingOccurrences(of: " ", with: "") }
        #expect(signatures.count == 2)
        #expect(signatures.contains { $0.contains("a=rsa-sha256") && $0.contains("s=s1;") && $0.contains("d=isp.example") })
        #expect(signatures.contains { $0.contains("a=ed25519-sha256") && $0.contains("s=s1-ed25519;") })
    }

    @Test func unreadableKeyIsBadInputAndNothingIsSent() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let key = folder.url.appendingPathComponent("broken.pem")
        try "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n".write(to: key, atomically: true, encoding: .utf8)
        let result = try await CarteiroProcess.run([
            "send", "--from", "a@isp.example", "--subject", "x", "--text", "y", "--to", "ana@example.com", "--relay", sink.url,
            "--data-dir", folder.path, "--dkim-selector", "s1", "--dkim-key", key.path,
        ])
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("--dkim-key"))
        #expect(sink.messageCount() == 0)
    }
}

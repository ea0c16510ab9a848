import CarteiroMIME
import CarteiroTesting
import Foundation
import Testing

/// The same delivery in `send` and `serve`: a send accepted with `send --queue-only` and delivered
/// by `serve --roles worker` is signed with the worker's `--dkim` keys for the From domain.
@Suite(.serialized) struct WorkerSigningTests {
    @Test func aQueuedSendDeliveredByAWorkerCarriesRSAAndEd25519SignaturesThatDkimpyVerifies() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let keygen = try await CarteiroProcess.run(
            ["dkim", "keygen", "--domain", "loja.example", "--selector", "s1", "--algorithm", "both", "--out", folder.path])
        #expect(keygen.exitCode == 0, "\(keygen.standardError)")
        // `s1._domainkey.loja.example. IN TXT "v=DKIM1; …"` → name: record text, as DNS would answer.
        var records: [String: String] = [:]
        for line in keygen.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count == 4 else { continue }
            records[String(parts[0])] = parts[3].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        #expect(records.count == 2)

        let queued = try await CarteiroProcess.run([
            "send", "--queue-only", "--from", "Loja Exemplo <ofertas@loja.example>", "--subject", "Promoção para {{name}}",
            "--text", "Olá {{first_name}}, ação válida até sábado.", "--to", "Ana Souza <ana@example.com>", "--to", "bia@example.com",
            "--data-dir", folder.path,
        ])
        #expect(queued.exitCode == 0, "\(queued.standardError)")

        let port = try freeLoopbackPort()
        let server = try CarteiroProcess([
            "serve", "--roles", "worker", "--data-dir", folder.path, "--port", "\(port)", "--relay", sink.url,
            "--dkim", "loja.example:s1:\(folder.url.appendingPathComponent("s1.rsa.pem").path)",
            "--dkim", "loja.example:s1-ed25519:\(folder.url.appendingPathComponent("s1.ed25519.pem").path)",
            "--dkim", "other.example:s9:\(folder.url.appendingPathComponent("s1.rsa.pem").path)",
        ])
        let messages = await sink.waitForMessages(2, timeout: .seconds(30))
        server.signal(SIGTERM)
        _ = try await server.waitForExit(timeout: .seconds(15))
        #expect(messages.count == 2)
        for message in messages {
            let signatures = ParsedMessage.parse(message.data).headers.values(for: "DKIM-Signature").map {
                $0.replacingOccurrences(of: " ", with: "")
            }
            #expect(signatures.count == 2, "one signature per key of the From domain, none for other.example")
            #expect(signatures.contains { $0.contains("a=rsa-sha256") && $0.contains("d=loja.example") && $0.contains("s=s1;") })
            #expect(signatures.contains { $0.contains("a=ed25519-sha256") && $0.contains("s=s1-ed25519;") })
            #expect(try DKIMPy.verify(Array(message.data), records: records) == [true, true])
        }
    }

    @Test func aKeyThatCannotBeReadStopsTheWorkerBeforeItStartsNamingTheKey() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await CarteiroProcess.run([
            "serve", "--roles", "worker", "--data-dir", folder.path, "--port", "0", "--dkim", "loja.example:s1:\(folder.path)/missing.pem",
        ])
        #expect(result.exitCode == 2)
        #expect(result.standardError.hasPrefix("carteiro: invalid dkim:"))
        #expect(result.standardError.contains("missing.pem"))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("carteiro.sqlite").path), "nothing was started")
    }
}

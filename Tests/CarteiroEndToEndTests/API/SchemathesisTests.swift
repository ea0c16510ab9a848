import CarteiroTesting
import Foundation
import Testing

/// schemathesis against a live `carteiro serve --roles api`, from the document the server
/// serves, with all its default checks: no server error, no response outside its schema, no
/// status code the document does not list.
@Suite("schemathesis against the live admin API", .serialized, .timeLimit(.minutes(15)))
struct SchemathesisTests {
    @Test func everyOperationPassesEveryDefaultCheck() async throws {
        // With a sign-up address, so that the public sign-up form answers as it does in production.
        try await APIServer.with(extra: ["--signup-address", "cadastro@loja.example"]) { server in
            let token = try await server.createToken(name: "schemathesis", scope: "admin")
            let result = try await Schemathesis.run(
                documentURL: "http://127.0.0.1:\(server.port)/api/v1/openapi.json", headers: ["Authorization: Bearer \(token)"],
                options: ["--max-examples", "25", "--seed", "20261207", "--request-timeout", "30"])
            #expect(result.exitCode == 0, "\(result.output.suffix(6000))")
            #expect(result.output.contains("Tested: "), "it ran: \(result.output.suffix(2000))")
            #expect(!server.process.standardError.contains("internal error"), "no 500 was logged: \(server.process.standardError.suffix(3000))")
        }
    }
}

@testable import CarteiroAPI
import CarteiroDomain
import CarteiroStoreTesting
import Foundation
import HTTPTypes
import Testing
import Yams

/// What holds for every operation: the document is served, each operation has its scopes, errors
/// have one shape, and bad bodies are refused before a handler sees them.
@Suite struct APIContractTests {
    private static func operations() throws -> [(path: String, method: String, id: String)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/CarteiroAPI/openapi.yaml")
        let document = try #require(try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        return paths.flatMap { path, item in
            item.compactMap { method, operation in
                (operation as? [String: Any])?["operationId"].flatMap { $0 as? String }.map { (path, method, $0) }
            }
        }
    }

    @Test func everyOperationOfTheDocumentHasItsScopesAndNoOtherIsListed() throws {
        let ids = Set(try Self.operations().map(\.id))
        #expect(ids.count > 40)
        let listed = Set(OperationScopes.allowed.keys).union(OperationScopes.open)
        #expect(ids.subtracting(listed).isEmpty, "operations without scopes: \(ids.subtracting(listed).sorted())")
        #expect(listed.subtracting(ids).isEmpty, "scopes for operations the document lacks: \(listed.subtracting(ids).sorted())")
    }

    @Test func theDocumentIsServedAsJSONWithoutAToken() async throws {
        try await APITestClient.with { api in
            let answer = try await api.request(.get, "/api/v1/openapi.json", as: nil)
            #expect(answer.status == .ok)
            #expect(answer.json["openapi"] as? String == "3.1.0")
            let paths = try #require(answer.json["paths"] as? [String: Any])
            #expect(paths.keys.contains("/api/v1/campaigns/{campaignId}/pause"))
        }
    }

    @Test func theAgentScopeReachesNothingAndReportsOnlyReads() async throws {
        try await APITestClient.with { api in
            let agent = try await api.request(.get, "/api/v1/templates", as: .agent)
            #expect(agent.status == .forbidden)
            #expect(agent.errorCode == "forbidden")
            #expect(try await api.request(.get, "/api/v1/relays", as: .reports).status == .ok)
            #expect(try await api.request(.post, "/api/v1/templates", json: ["name": "x", "subject": "y", "text": "z"], as: .reports).status == .forbidden)
            let none = try await api.request(.get, "/api/v1/templates", as: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(none.errorCode == "unauthorized")
        }
    }

    @Test func badBodiesGet4xxWithTheErrorShapeAndNeverReachTheStore() async throws {
        try await APITestClient.with { api in
            let cases: [(String, String, HTTPResponse.Status)] = [
                (#"{"name": "x", "subject": "y", "text": "z", "extra": 1}"#, "application/json", .badRequest),
                (#"{"name": {"$gt": ""}, "subject": "y", "text": "z"}"#, "application/json", .badRequest),
                (#"{"name": "x", "subject": "y", "text": "#, "application/json", .badRequest),
                ("name=x", "application/x-www-form-urlencoded", .badRequest),
                (#"{"name": "x", "subject": "y", "text": "\#(String(repeating: "a", count: 1_100_000))"}"#, "application/json", .contentTooLarge),
            ]
            for (body, type, status) in cases {
                let answer = try await api.request(.post, "/api/v1/templates", raw: body, contentType: type)
                #expect(answer.status == status, "\(body.prefix(80)): \(answer.body)")
                let error = try #require(answer.json["error"] as? [String: Any], "\(answer.body)")
                #expect(error["code"] is String)
                #expect(error["message"] is String)
            }
            #expect(try await api.fixture.store.templates.count() == 0)
            let badLimit = try await api.request(.get, "/api/v1/templates?limit=0")
            #expect(badLimit.status == .badRequest)
            #expect(badLimit.json["error"] is [String: Any])
        }
    }
}

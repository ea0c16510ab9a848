import CarteiroConversations
import CarteiroDomain
import CarteiroServer
import CarteiroStore
import CarteiroTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

/// The admin API's auth matrix in process (`app.test(.router)`), through the real runtime.
@Suite struct AdminAPIAuthRouterTests {
    private func withAPI(_ body: (any ApplicationProtocol, SQLiteStore) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let configuration = try ServerConfiguration(port: 0, dataDirectory: folder.path, roles: [.api])
        let runtime = CarteiroRuntime(
            configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        try await body(try runtime.makeApplication(), store)
        await store.close()
    }

    private func token(_ scope: AccessToken.Scope, in store: SQLiteStore, expiresAt: Date? = nil) async throws -> (String, AccessToken) {
        let secret = SecretToken.generate()
        let token = try AccessToken(name: scope.rawValue, scope: scope, tokenHash: SecretToken.hash(secret), createdAt: Date(), expiresAt: expiresAt)
        try await store.accessTokens.create(token)
        return (secret, token)
    }

    private func bearer(_ secret: String) -> HTTPFields { [.authorization: "Bearer \(secret)"] }

    private func errorCode(_ body: ByteBuffer) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?[
            "code"] as? String
    }

    @Test func noBadExpiredOrRevokedTokenGets401AndAnotherScope403() async throws {
        try await withAPI { app, store in
            let (reports, _) = try await token(.reports, in: store)
            let (agent, _) = try await token(.agent, in: store)
            let (expired, _) = try await token(.admin, in: store, expiresAt: Date().addingTimeInterval(-1))
            let (revoked, revokedToken) = try await token(.admin, in: store)
            #expect(try await store.accessTokens.revoke(id: revokedToken.id))
            try await app.test(.router) { client in
                for headers in [[:], bearer("unknown"), bearer(expired), bearer(revoked), [.authorization: "Basic eDp5"]] as [HTTPFields] {
                    try await client.execute(uri: "/api/v1/relays", method: .get, headers: headers) { response in
                        #expect(response.status == .unauthorized, "\(headers)")
                        #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                        #expect(errorCode(response.body) == "unauthorized")
                    }
                }
                try await client.execute(uri: "/api/v1/relays", method: .get, headers: bearer(agent)) { response in
                    #expect(response.status == .forbidden)
                    #expect(response.headers[.wwwAuthenticate] == nil)
                    #expect(errorCode(response.body) == "forbidden")
                }
                try await client.execute(uri: "/api/v1/contacts", method: .get, headers: bearer(reports)) { response in
                    #expect(response.status == .forbidden)
                }
                try await client.execute(uri: "/api/v1/relays", method: .get, headers: bearer(reports)) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test func aRequestRecordsItsTokensLastUse() async throws {
        try await withAPI { app, store in
            let (reports, token) = try await token(.reports, in: store)
            let before = Date()
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/v1/relays", method: .get, headers: bearer(reports)) { response in
                    #expect(response.status == .ok)
                }
            }
            let used = try #require(try await store.accessTokens.token(hash: token.tokenHash)?.lastUsedAt)
            #expect(used >= before.addingTimeInterval(-0.001))
        }
    }
}

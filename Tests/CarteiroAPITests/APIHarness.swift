import CarteiroAPI
import CarteiroDomain
import CarteiroStoreTesting
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// The admin API in-process on a fresh store, with an `admin` token, for route tests.
struct APIHarness: Sendable {
    let client: any TestClientProtocol
    let fixture: StoreFixture
    static let secret = "route-tests-admin-secret"

    static func with(_ backend: Backend = .sqlite, _ body: @Sendable (APIHarness) async throws -> Void) async throws {
        try await StoreFixture.with(backend) { fixture in
            let hash = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
            try await fixture.store.accessTokens.create(AccessToken(name: "route-tests", scope: .admin, tokenHash: hash, createdAt: Date()))
            let router = Router()
            try AdminAPI(store: fixture.store, logger: Logger(label: "test.api")).register(on: router)
            try await Application(router: router).test(.router) { client in
                try await body(APIHarness(client: client, fixture: fixture))
            }
        }
    }

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, csv: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [.authorization: "Bearer \(Self.secret)"]
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        } else if let csv {
            headers[.contentType] = "text/csv"
            body = ByteBuffer(string: csv)
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status, text: String(buffer: response.body))
    }

    func create(_ json: String) async throws -> [String: Any] {
        let reply = try await send(.post, "/api/v1/contacts", json: json)
        guard reply.status == .created else { throw HarnessError(description: "create answered \(reply.status): \(reply.text)") }
        return reply.json
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
}

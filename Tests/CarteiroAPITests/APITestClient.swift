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
import Testing

/// The admin API in-process (`app.test(.router)`) on a fresh store of one backend, with a token of
/// each scope; requests and answers as JSON.
struct APITestClient {
    let client: any TestClientProtocol
    let fixture: StoreFixture
    /// The secret of an active token of each scope.
    let secrets: [AccessToken.Scope: String]

    static func with(
        _ backend: Backend = .sqlite, configuration: AdminAPI.Configuration = .init(), _ body: @escaping @Sendable (APITestClient) async throws -> Void
    ) async throws {
        try await StoreFixture.with(backend) { fixture in
            var secrets: [AccessToken.Scope: String] = [:]
            for scope in AccessToken.Scope.allCases {
                let secret = "test-\(scope.rawValue)-\(UUID().uuidString)"
                let hash = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
                try await fixture.store.accessTokens.create(
                    try AccessToken(name: "test \(scope.rawValue)", scope: scope, tokenHash: hash, createdAt: Date()))
                secrets[scope] = secret
            }
            let tokens = secrets
            let router = Router()
            try AdminAPI(store: fixture.store, configuration: configuration, logger: Logger(label: "test.api")).register(on: router)
            try await Application(router: router).test(.router) { client in
                try await body(APITestClient(client: client, fixture: fixture, secrets: tokens))
            }
        }
    }

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
        /// `error.code` of an error answer.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    /// Sends `body` (a JSON object, or raw text) as `scope`'s token, or with no token when nil.
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, raw: String? = nil, contentType: String = "application/json",
        as scope: AccessToken.Scope? = .admin
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let scope { headers[.authorization] = "Bearer \(secrets[scope]!)" }
        var buffer: ByteBuffer?
        if let json {
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
            headers[.contentType] = contentType
        } else if let raw {
            buffer = ByteBuffer(string: raw)
            headers[.contentType] = contentType
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: buffer) { response in
            Answer(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }
}

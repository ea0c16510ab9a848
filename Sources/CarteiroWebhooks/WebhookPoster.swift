import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// POSTs signed webhook bodies over one shared HTTP client (connection pool, no redirects:
/// a receiver that moved is a failure to see, not to follow).
public final class WebhookPoster: Sendable {
    /// What one request came to.
    public enum Outcome: Sendable, Equatable {
        case delivered(statusCode: Int)
        /// A non-2xx answer, or no answer (`statusCode` nil): `reason` says what.
        case failed(statusCode: Int?, reason: String)
    }

    private let client: HTTPClient
    private let timeout: TimeInterval

    public init(requestTimeout: TimeInterval) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(min(requestTimeout, 10) * 1_000)), read: .milliseconds(Int64(requestTimeout * 1_000))))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        timeout = requestTimeout
    }

    public func post(to url: URL, body: Data, headers extra: [(String, String)]) async -> Outcome {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Carteiro-Webhooks/1")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1_000)))
            // Read (part of) the answer so the connection can be reused, and to say why on failure.
            let answer = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return .delivered(statusCode: code) }
            let excerpt = answer.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed(statusCode: code, reason: "HTTP \(code)" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
        } catch {
            return .failed(statusCode: nil, reason: "\(error)")
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}

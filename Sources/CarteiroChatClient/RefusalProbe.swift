import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Asks an endpoint whose WebSocket upgrade failed why, with a plain `GET` carrying the same
/// token: a WebSocket client sees no status when an upgrade is refused, and only a refused token
/// (401, or 403 for a token of another scope) is worth giving up for; a full server (503) or a
/// proxy's hiccup is retried.
struct RefusalProbe {
    struct Answer: Sendable, Equatable {
        let status: Int
        /// `error.code` and `error.message` of the JSON body, when it has them.
        let code: String?
        let message: String?

        /// The token itself was refused: reconnecting cannot help.
        var refusesToken: Bool { status == 401 || (status == 403 && code != "origin_not_allowed") }
    }

    let url: String
    let bearerToken: String
    var timeout: Duration = .seconds(5)

    /// The answer, or nil when the endpoint could not be asked (it is down, or it did not answer in time).
    func ask() async -> Answer? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host,
            scheme == "ws" || scheme == "wss"
        else { return nil }
        let tls = scheme == "wss"
        let port = components.port ?? (tls ? 443 : 80)
        let target =
            (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
            + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
        var headers = HTTPHeaders()
        headers.add(name: "host", value: components.port.map { "\(host):\($0)" } ?? host)
        // As the WebSocket client sends it, so that the answer is the one the upgrade got.
        headers.add(name: "origin", value: "\(tls ? "https" : "http")://\(host)")
        headers.add(name: "authorization", value: "Bearer \(bearerToken)")
        headers.add(name: "connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
        let timeout = self.timeout
        return await withTaskGroup(of: Answer?.self) { group in
            group.addTask { try? await Self.request(head, host: host, port: port, tls: tls) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    private static func request(_ head: HTTPRequestHead, host: String, port: Int, tls: Bool) async throws -> Answer? {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if tls {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status: Int?
            var body = ByteBuffer()
            reading: for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(var chunk): if body.readableBytes < 65_536 { body.writeBuffer(&chunk) }
                case .end: break reading
                }
            }
            guard let status else { return nil }
            let error =
                (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))).flatMap { $0 as? [String: Any] }?["error"]
                as? [String: Any]
            return Answer(status: status, code: error?["code"] as? String, message: error?["message"] as? String)
        }
    }
}

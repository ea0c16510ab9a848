import Foundation
import NIOCore
import NIOHTTP1

/// An answer written from inside the channel pipeline, before Hummingbird sees the request: a
/// status and the JSON body every refusal carries, `{"error": {"code": …, "message": …}}`, on a
/// connection that closes after it.
struct HTTPRefusal: Sendable, Equatable {
    let status: HTTPResponseStatus
    let code: String
    let message: String

    var body: [UInt8] {
        let object = ["error": ["code": code, "message": message]]
        return (try? JSONSerialization.data(withJSONObject: object)).map { Array($0) } ?? Array(#"{"error":{}}"#.utf8)
    }

    /// Writes the response from `context` towards the HTTP encoder, as `HTTPServerResponsePart`s,
    /// and flushes it.
    func write(to context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let body = self.body
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.count)")
        headers.add(name: "connection", value: "close")
        // RFC 6750 §3: a 401 names the scheme the client is to authenticate with.
        if status == .unauthorized { headers.add(name: "www-authenticate", value: #"Bearer realm="carteiro""#) }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        return context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
    }
}

extension ChannelHandlerContext {
    /// Closes the channel of a handler in front of the upgrade handler, which still waits for the
    /// first request head. Told that the input ended, the upgrade handler closes the channel and
    /// reports `inputClosed`, which hummingbird-websocket logs at trace level; a plain close would
    /// have it log an error for every such connection.
    func closeAheadOfUpgradeHandler() {
        fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        close(promise: nil)
    }
}

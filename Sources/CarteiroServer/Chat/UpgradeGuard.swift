import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP/1 + WebSocket child channel with guards in front of its upgrade handler: the
/// `HTTPConnectionGuard` (time to send a head, refused heads answered), then the `UpgradeGuard`.
///
/// hummingbird-websocket answers any refused upgrade with a bare 400. To refuse with the real
/// status (403 for an Origin, 401 without a token, 503 when full) and a JSON body, the guard
/// takes the `Upgrade` header off a request it refuses: the request then goes the plain HTTP way
/// to `ChatRefusalRoutes`, which answers it from the same `ChatAdmission`.
struct GuardedWebSocketChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let base: HTTP1WebSocketUpgradeChannel
    let admission: ChatAdmission
    let headTimeout: Duration
    let reserve: DescriptorReserve

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admission = self.admission
        let headTimeout = self.headTimeout
        let reserve = self.reserve
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let upgrader = try pipeline.handler(type: NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>.self)
            let mayWork = reserve.opened(channel)
            channel.closeFuture.whenComplete { _ in reserve.closed(channel) }
            try pipeline.addHandler(
                HTTPConnectionGuard(headTimeout: headTimeout, reserve: reserve, healthOnly: !mayWork, logger: logger), position: .before(upgrader))
            try pipeline.addHandler(UpgradeGuard(admission: admission), position: .before(upgrader))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Looks at the first request of a connection only, then leaves the pipeline.
final class UpgradeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let admission: ChatAdmission

    init(admission: ChatAdmission) {
        self.admission = admission
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let refused = admission.refusal(
            path: ChatAdmission.path(of: head.uri), origin: head.headers.first(name: "origin"),
            hasToken: ChatAdmission.hasToken(target: head.uri, authorization: head.headers.first(name: "authorization")))
        if refused != nil, head.headers.contains(name: "upgrade") {
            head.headers.remove(name: "upgrade")
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.fireChannelRead(wrapInboundOut(.head(head)))
        } else {
            context.fireChannelRead(data)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

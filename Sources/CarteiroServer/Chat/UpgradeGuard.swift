import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP/1 + WebSocket child channel with guards in front of its upgrade handler: the
/// `HTTPConnectionGuard` (time to send a head, refused heads answered), then the `UpgradeGuard`.
///
/// hummingbird-websocket answers any refused upgrade with a bare 400. To refuse with the real
/// status (403 for an Origin, 401 without a token, 503 when full) and a JSON body, the
/// `UpgradeGuard` decides before the upgrade handler sees the request, and answers a refusal itself.
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

/// Decides an upgrade to `/chat` or `/agent` from the first request head of a connection, then
/// leaves the pipeline: it refuses with the status and JSON body of `ChatAdmission`, or takes the
/// connection's place in the gate (given back when the socket closes) and lets the request on
/// to the upgrade handler. Requests that ask for no upgrade go on untouched.
final class UpgradeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let admission: ChatAdmission
    /// A refusal is being written: the rest of the request is dropped.
    private var refusing = false

    init(admission: ChatAdmission) {
        self.admission = admission
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        guard case .head(let head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let path = ChatAdmission.path(of: head.uri)
        guard ChatAdmission.isChatPath(path), head.headers.contains(name: "upgrade") else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let decision = admission.admit(
            path: path, headers: head.headers, target: head.uri, channel: ObjectIdentifier(context.channel),
            peer: context.channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) })
        switch decision {
        case .refused(let refusal):
            refusing = true
            HTTPRefusal(status: HTTPResponseStatus(statusCode: refusal.status.code), code: refusal.code, message: refusal.message)
                .write(to: context).assumeIsolated().whenComplete { _ in context.closeAheadOfUpgradeHandler() }
        case .admitted(let ticket):
            let gate = admission.gate
            let channel = context.channel
            channel.closeFuture.whenComplete { _ in gate.leave(ticket) }
            // Until the connection runs and closes itself more politely (CustomerConnection).
            ticket.onEviction { channel.close(promise: nil) }
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

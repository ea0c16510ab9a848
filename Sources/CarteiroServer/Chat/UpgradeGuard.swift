import CarteiroAPI
import CarteiroConversations
import CarteiroDomain
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
/// status (403 for an Origin, 401 without a valid agent token, 403 for a token of another scope,
/// 503 when full) and a JSON body, the `UpgradeGuard` decides before the upgrade handler sees the
/// request, and answers a refusal itself.
struct GuardedWebSocketChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let base: HTTP1WebSocketUpgradeChannel.Value
        /// The peer's address, for the API's public operations' limits.
        let peer: IPAddress?
        var channel: any Channel { base.channel }
    }

    let base: HTTP1WebSocketUpgradeChannel
    let admission: ChatAdmission
    let authenticator: AgentAuthenticator
    let headTimeout: Duration
    let reserve: DescriptorReserve
    let addresses: ClientAddressResolver

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admission = self.admission
        let authenticator = self.authenticator
        let headTimeout = self.headTimeout
        let reserve = self.reserve
        let addresses = self.addresses
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let upgrader = try pipeline.handler(type: NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>.self)
            let mayWork = reserve.opened(channel)
            channel.closeFuture.whenComplete { _ in reserve.closed(channel) }
            try pipeline.addHandler(
                HTTPConnectionGuard(headTimeout: headTimeout, reserve: reserve, healthOnly: !mayWork, logger: logger), position: .before(upgrader))
            try pipeline.addHandler(UpgradeGuard(admission: admission, authenticator: authenticator), position: .before(upgrader))
            let peer = channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
            try pipeline.addHandler(ClientAddressStamp(peer: peer, addresses: addresses), position: .before(upgrader))
            return Value(base: value, peer: channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) })
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value.base, logger: logger)
    }
}

/// Decides an upgrade to `/chat` or `/agent` from the first request head of a connection, then
/// leaves the pipeline: it refuses with the status and JSON body of `ChatAdmission`, or takes the
/// connection's place in the gate (given back when the socket closes) and lets the request on
/// to the upgrade handler. Requests that ask for no upgrade go on untouched.
///
/// An agent's token is checked here too (through the authenticator's short cache, which the
/// route's own check then hits): the head and what follows it wait in the handler meanwhile.
final class UpgradeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private enum State {
        case waitingForHead
        /// The agent token is being checked; what arrives meanwhile is kept, in order.
        case checkingToken(buffered: [NIOAny])
        /// A refusal is being written: the rest of the request is dropped.
        case refusing
        case done
    }

    private let admission: ChatAdmission
    private let authenticator: AgentAuthenticator
    private var state = State.waitingForHead

    init(admission: ChatAdmission, authenticator: AgentAuthenticator) {
        self.admission = admission
        self.authenticator = authenticator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .refusing: return
        case .done:
            context.fireChannelRead(data)
            return
        case .checkingToken(var buffered):
            buffered.append(data)
            state = .checkingToken(buffered: buffered)
            return
        case .waitingForHead: break
        }
        guard case .head(let head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let path = ChatAdmission.path(of: head.uri)
        guard ChatAdmission.isChatPath(path), head.headers.contains(name: "upgrade") else {
            pass([data], context: context)
            return
        }
        let token = ChatAdmission.token(target: head.uri, authorization: head.headers.first(name: "authorization"))
        if let refusal = admission.refusal(path: path, origin: head.headers.first(name: "origin"), hasToken: token != nil) {
            refuse(refusal, context: context)
            return
        }
        guard path == ChatAdmission.agentPath, let token else {
            admit(head, buffered: [data], context: context)
            return
        }
        state = .checkingToken(buffered: [data])
        let authenticator = self.authenticator
        context.eventLoop.makeFutureWithTask { try await authenticator.authenticate(token, scope: .agent) }
            .assumeIsolated().whenComplete { result in
                guard case .checkingToken(let buffered) = self.state else { return }
                switch result {
                case .success(.accepted): self.admit(head, buffered: buffered, context: context)
                case .success(let outcome): self.refuse(ChatAdmission.refusal(for: outcome) ?? ChatAdmission.invalidToken, context: context)
                case .failure: self.refuse(ChatAdmission.tokenUnavailable, context: context)
                }
            }
    }

    private func admit(_ head: HTTPRequestHead, buffered: [NIOAny], context: ChannelHandlerContext) {
        let decision = admission.admit(
            path: ChatAdmission.path(of: head.uri), headers: head.headers, target: head.uri, channel: ObjectIdentifier(context.channel),
            peer: context.channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) })
        switch decision {
        case .refused(let refusal):
            refuse(refusal, context: context)
        case .admitted(let ticket):
            let gate = admission.gate
            let channel = context.channel
            channel.closeFuture.whenComplete { _ in gate.leave(ticket) }
            // Until the connection runs and closes itself more politely (CustomerConnection).
            ticket.onEviction { channel.close(promise: nil) }
            pass(buffered, context: context)
        }
    }

    /// Lets what was read on to the upgrade handler and leaves the pipeline.
    private func pass(_ buffered: [NIOAny], context: ChannelHandlerContext) {
        state = .done
        for data in buffered { context.fireChannelRead(data) }
        if buffered.count > 1 { context.fireChannelReadComplete() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(_ refusal: ChatAdmission.Refusal, context: ChannelHandlerContext) {
        state = .refusing
        HTTPRefusal(status: HTTPResponseStatus(statusCode: refusal.status.code), code: refusal.code, message: refusal.message)
            .write(to: context).assumeIsolated().whenComplete { _ in context.closeAheadOfUpgradeHandler() }
    }
}

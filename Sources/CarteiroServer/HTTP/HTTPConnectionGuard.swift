import Logging
import NIOCore
import NIOHTTP1

/// The first handler behind the HTTP/1 decoder of every connection, in front of the upgrade
/// handler. Hummingbird gives a connection no timeout until its first request head has been read
/// and answers a head the decoder refuses with nothing at all; this handler:
/// - closes a connection that has not sent a whole request head within `headTimeout` of opening
///   (a silent socket, or a slowloris trickling its head);
/// - answers a head the decoder refuses, then closes: 431 for too many or too large header
///   fields, 505 for a version other than HTTP/1.x, 400 for anything else (an unknown method,
///   garbage);
/// - closes a connection still waiting for its first head when the server shuts down, or when
///   the `DescriptorReserve` evicts it;
/// - serves only `/health` and `/ready` (503 otherwise) on a connection the reserve had no room
///   for, and tells the reserve when a plain HTTP connection is busy or idle.
///
/// A connection whose first head asks for an upgrade loses the handler there (after the upgrade
/// the decoder is gone, and bytes, not request parts, would reach it). A plain HTTP connection
/// keeps it, to answer a refused head between requests the same way; Hummingbird's idle timeout
/// closes it between requests.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// No request head yet; the head timer runs.
        case awaitingFirstHead
        /// Plain HTTP: requests read whose responses have not ended.
        case serving(inFlight: Int)
        /// Answered and closing: nothing more is read.
        case closing
    }

    private let headTimeout: TimeAmount
    private let reserve: DescriptorReserve?
    private let healthOnly: Bool
    private let logger: Logger
    private var state = State.awaitingFirstHead
    /// Whether the upgrade handler behind this one still waits for the first head.
    private var upgradeHandlerWaits = true
    private var headTimer: Scheduled<Void>?

    /// The paths a connection the reserve had no room for is still served.
    static let healthPaths: Set<Substring> = ["/health", "/ready"]

    init(headTimeout: Duration, reserve: DescriptorReserve? = nil, healthOnly: Bool = false, logger: Logger) {
        self.headTimeout = TimeAmount(headTimeout)
        self.reserve = reserve
        self.healthOnly = healthOnly
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHeadTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHeadTimer(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headTimer?.cancel()
        headTimer = nil
    }

    private func startHeadTimer(context: ChannelHandlerContext) {
        guard case .awaitingFirstHead = state, headTimer == nil else { return }
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) { [self] in
            guard case .awaitingFirstHead = state else { return }
            logger.debug(
                "closing a connection that sent no request head in time", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            close(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.closing, _):
            return
        case (.awaitingFirstHead, .head(let head)):
            headTimer?.cancel()
            headTimer = nil
            if healthOnly, !Self.healthPaths.contains(head.uri.prefix { $0 != "?" }) {
                refuse(
                    context: context, status: .serviceUnavailable, code: "overloaded",
                    message: "the server is short of connections; try again later")
                return
            }
            upgradeHandlerWaits = false
            reserve?.mark(context.channel, .busy)
            context.fireChannelRead(data)
            if head.headers.contains(name: "upgrade") {
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            } else {
                state = .serving(inFlight: 1)
            }
        case (.serving(let inFlight), .head):
            state = .serving(inFlight: inFlight + 1)
            reserve?.mark(context.channel, .busy)
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .serving(let inFlight) = state, case .end = unwrapOutboundIn(data) {
            state = .serving(inFlight: max(0, inFlight - 1))
            if inFlight <= 1 { reserve?.mark(context.channel, .idle) }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        switch state {
        case .awaitingFirstHead, .serving(inFlight: 0):
            let (status, code, message) = Self.answer(to: parserError)
            logger.debug("refusing a request head", metadata: ["error": "\(parserError)", "status": "\(status.code)"])
            refuse(context: context, status: status, code: code, message: message)
        case .serving:
            // A response is being written: Hummingbird ends the connection with its own 400.
            context.fireErrorCaught(error)
        case .closing:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .awaitingFirstHead = state {
            close(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    static func answer(to error: HTTPParserError) -> (HTTPResponseStatus, String, String) {
        switch error {
        case .headerOverflow:
            return (.requestHeaderFieldsTooLarge, "header_fields_too_large", "the request head has too many or too large header fields")
        case .invalidVersion:
            return (.httpVersionNotSupported, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served")
        default:
            return (.badRequest, "bad_request", "the request could not be parsed")
        }
    }

    /// Answers with `status` and a JSON error body, then closes.
    func refuse(context: ChannelHandlerContext, status: HTTPResponseStatus, code: String, message: String) {
        state = .closing
        headTimer?.cancel()
        headTimer = nil
        HTTPRefusal(status: status, code: code, message: message).write(to: context)
            .assumeIsolated().whenComplete { [self] _ in close(context: context) }
    }

    private func close(context: ChannelHandlerContext) {
        state = .closing
        if upgradeHandlerWaits {
            upgradeHandlerWaits = false
            context.closeAheadOfUpgradeHandler()
        } else {
            context.close(promise: nil)
        }
    }
}

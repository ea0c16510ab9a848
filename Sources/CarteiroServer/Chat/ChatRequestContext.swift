import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of the chat's WebSocket routes: hummingbird-websocket's basic one, plus
/// the connection's channel, by which a connection finds the place the upgrade guard took for it.
struct ChatRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<ChatRequestContext>
    let channel: ObjectIdentifier

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = ObjectIdentifier(source.channel)
    }
}
